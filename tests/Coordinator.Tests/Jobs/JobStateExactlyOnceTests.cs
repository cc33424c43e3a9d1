using Cluster.Coordinator.Jobs;
using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Tests.Jobs;

/// <summary>
/// The promise of DESIGN.md §5 as a property of the production wiring: seeded random runs drive <see cref="JobState"/>
/// with the calls <see cref="Runtime.JobActor"/> makes (registrations, commits, checkpoint reports, losses, scaling,
/// form-grace timers, a restarted coordinator), and simulated trainers act only on the messages it dispatches: they form
/// the groups it names, resume from the checkpoint it names, train the steps of the schedules it sends, write
/// checkpoints with the trainer's own cursor (<see cref="CheckpointCursor"/>) and commit. Losses drop what a process had
/// not delivered yet. When the job reports that it finished, every batch of every epoch must have gone into the
/// surviving weights exactly once.
/// </summary>
public sealed class JobStateExactlyOnceTests
{
    private const int Seeds = 25;
    private const int Epochs = 2;
    private const int BatchesPerEpoch = 30;

    [Fact]
    public void Every_batch_of_every_epoch_is_in_the_surviving_weights_once_through_losses_scaling_checkpoints_and_restarts()
    {
        var totals = new Totals();
        for (int seed = 1; seed <= Seeds; seed++) new Run(seed, totals).ToTheEnd();

        // The property is only shown if the runs went through the events it is about.
        Assert.True(totals.TrainersLost > 0 && totals.DataNodesLost > 0 && totals.Scales > 0 && totals.CoordinatorRestarts > 0
            && totals.ResumedFromCheckpoint > 0 && totals.RolledBackToStart > 0 && totals.EpochsSentAhead > 0,
            $"trainers lost {totals.TrainersLost}, data nodes lost {totals.DataNodesLost}, scales {totals.Scales}, restarts "
            + $"{totals.CoordinatorRestarts}, resumed {totals.ResumedFromCheckpoint}, back to start {totals.RolledBackToStart}, ahead {totals.EpochsSentAhead}");
    }

    private static PlannedEpoch Plan(int epoch) =>
        new(epoch, [.. Enumerable.Range(0, BatchesPerEpoch).Select(b => new EpochBatch($"e{epoch}-b{b}", [$"u{b}"]))]);

    private sealed class Run
    {
        private static readonly JobLimits Limits = new(MaxSteps: null, Epochs: Epochs, GradientAccumulation: 1, ExpectedTrainers: 2, ShardsPerEpoch: 6);

        private readonly int seed;
        private readonly Totals totals;
        private readonly Random rng;
        private readonly Dictionary<string, Trainer> trainers = new(StringComparer.Ordinal);
        // Checkpoints on the shared disk by step, as the checkpoint directories are named: a later group's checkpoint
        // of the same step replaces an earlier one.
        private readonly SortedDictionary<long, (RestorePoint Point, Dictionary<string, int> Weights)> disk = [];
        // Reports on their way to the coordinator, with the process that sent them.
        private readonly List<(string From, object Message)> wire = [];
        private readonly Queue<string> toRegister = new();
        private JobState state;
        // What went into the group's weights, batch by batch, since the initial weights: a group starts from its checkpoint's.
        private Dictionary<string, int> weights = new(StringComparer.Ordinal);
        private long groupGeneration = -1;
        private long groupStep;
        private int nextPid = 100;
        private int nextDataNode = 3;

        public Run(int seed, Totals totals)
        {
            this.seed = seed;
            this.totals = totals;
            rng = new Random(seed);
            state = JobState.Start(Limits, Plan, "127.0.0.1", 29500);
            foreach (string node in new[] { "data-1", "data-2", "gpu-0", "gpu-1" }) Register(node);
        }

        public void ToTheEnd()
        {
            for (int events = 0; state.Phase != JobPhase.Finished; events++)
            {
                Assert.True(events < 200_000, $"seed {seed}: the job did not finish: phase {state.Phase}, step {state.CompletedStep}, epoch {state.Ledger.Epoch}");
                int roll = rng.Next(1000);
                if (roll < 380) Train();
                else if (roll < 800) Deliver();
                else if (roll < 830 && toRegister.Count > 0) Register(toRegister.Dequeue());
                else if (roll < 842) LoseTrainer();
                else if (roll < 860) LoseDataNode();
                else if (roll < 875) Scale();
                else if (roll < 895) Apply(state.FormWithAvailable()); // the form-grace timer
                else if (roll < 905) Apply(state.OwnersAgain()); // the owners-settled timer
                else if (roll < 908) RestartCoordinator();
            }

            Assert.False(state.Failed, $"seed {seed}: the job failed: {state.FinishReason}");
            var expected = Enumerable.Range(0, Epochs).SelectMany(e => Plan(e).Batches.Select(b => b.BatchId)).Order(StringComparer.Ordinal);
            Assert.Equal(expected, weights.Keys.Order(StringComparer.Ordinal));
            string[] wrong = [.. weights.Where(w => w.Value != 1).Select(w => $"{w.Key}×{w.Value}")];
            Assert.True(wrong.Length == 0, $"seed {seed}: in the weights other than once: {string.Join(", ", wrong)}");
        }

        private void Register(string name)
        {
            bool data = name.StartsWith("data-", StringComparison.Ordinal);
            if (!data) trainers[name] = new Trainer();
            var node = new NodeInfo(name, data ? NodeRole.Data : NodeRole.Gpu, $"cluster.tcp://{name}@127.0.0.1:1/user/x", nextPid++, data ? "" : "cpu");
            Apply(state.Register(node));
        }

        // The coordinator's dispatches reach the simulated trainers; data nodes' messages only matter to them.
        private void Apply(JobTransition transition)
        {
            long stepBefore = state.CompletedStep;
            state = transition.State;
            foreach (var (node, message) in transition.Messages)
            {
                if (!trainers.TryGetValue(node, out var trainer)) continue;
                switch (message)
                {
                    case FormGroup form:
                        trainer.Join(form);
                        StartGroupFrom(form);
                        break;
                    case EpochSchedule schedule when schedule.Generation == trainer.Generation:
                        if (trainer.Schedules.Count > 0 && !trainer.Schedules.ContainsKey(schedule.Epoch)) totals.EpochsSentAhead++;
                        trainer.Schedules[schedule.Epoch] = (LedgerCursorJson.Parse(schedule.CommittedBefore, $"seed {seed}"),
                            [.. schedule.Batches.Select(b => new ScheduledEntry(b.Step, b.Rank, b.BatchId, b.Shard, b.Position))]);
                        break;
                    case AbortGroup abort when abort.Generation == trainer.Generation:
                        trainer.Leave();
                        break;
                }
            }

            // What the coordinator's actor does after a transition: trainers that cannot unlearn are restarted.
            var restart = NodeFleet.TrainersToRestart(stepBefore, transition);
            if (restart.Count > 0) totals.RolledBackToStart++;
            foreach (string name in restart) Kill(name);
        }

        // Every rank of a group gets the same FormGroup resume point; the first one sets the group's weights.
        private void StartGroupFrom(FormGroup form)
        {
            if (form.Generation == groupGeneration) return;
            groupGeneration = form.Generation;
            if (form.ResumeFrom.Length == 0)
            {
                weights = new Dictionary<string, int>(StringComparer.Ordinal);
                groupStep = 0;
                return;
            }
            var saved = disk.Values.Single(c => c.Point.Directory == form.ResumeFrom);
            weights = new Dictionary<string, int>(saved.Weights, StringComparer.Ordinal);
            groupStep = saved.Point.Step;
            totals.ResumedFromCheckpoint++;
        }

        // The group trains its next step once every rank has it scheduled: every rank's batches go into the weights
        // (the all-reduce), and each rank reports its commit; rank 0 sometimes checkpoints the step.
        private void Train()
        {
            var members = trainers.Where(t => t.Value.Generation == state.Generation && t.Value.Generation == groupGeneration).ToList();
            if (state.Phase != JobPhase.Training || members.Count != state.Ranks.WorldSize || members.Count == 0) return;
            var steps = members.Select(m => m.Value.Schedules.Values.SelectMany(s => s.Entries).Select(e => e.Step).Where(s => s > groupStep).DefaultIfEmpty(long.MaxValue).Min()).ToList();
            long step = steps.Max();
            if (step == long.MaxValue || steps.Any(s => s != step)) return;
            var (epoch, (before, entries)) = members[0].Value.Schedules.First(s => s.Value.Entries.Any(e => e.Step == step));
            foreach (var entry in entries.Where(e => e.Step == step)) weights[entry.BatchId] = weights.GetValueOrDefault(entry.BatchId) + 1;
            groupStep = step;
            foreach (var (name, trainer) in members)
            {
                var commit = new StepCommitted { Generation = trainer.Generation, Rank = trainer.Rank, Step = step, Epoch = epoch, Loss = 1, Examples = 1, StepSeconds = 0.1 };
                commit.BatchIds.AddRange(entries.Where(e => e.Step == step && e.Rank == trainer.Rank).Select(e => e.BatchId));
                wire.Add((name, commit));
                if (trainer.Rank == 0 && rng.Next(5) == 0)
                {
                    var point = new RestorePoint(step, $"/ckpt/step-{step}", CheckpointCursor.At(before, entries, step));
                    disk[step] = (point, new Dictionary<string, int>(weights, StringComparer.Ordinal));
                    wire.Add((name, new CheckpointSaved { Generation = trainer.Generation, Step = step, Directory = point.Directory }));
                }
            }
        }

        private void Deliver()
        {
            if (wire.Count == 0) return;
            int pick = rng.Next(wire.Count);
            var (_, message) = wire[pick];
            wire.RemoveAt(pick);
            if (message is StepCommitted commit) Apply(state.Committed(commit));
            else if (message is CheckpointSaved saved) Apply(state.Checkpointed(disk[saved.Step].Point)); // what the directory holds now
        }

        // A killed trainer: what it had not delivered is gone. Before the group is torn down the coordinator looks for the
        // newest checkpoint on disk, which may be one whose report never arrived; the launcher starts a replacement.
        private void LoseTrainer()
        {
            if (state.FailuresWithoutProgress >= 1 || state.Trainers.Count == 0) return;
            Kill(state.Trainers[rng.Next(state.Trainers.Count)]);
        }

        private void Kill(string name)
        {
            if (!state.Nodes.ContainsKey(name)) return;
            wire.RemoveAll(m => m.From == name);
            trainers[name].Leave();
            totals.TrainersLost++;
            state = state.WithLatestCheckpoint(disk.Count == 0 ? null : disk.Values.Last().Point);
            Apply(state.Lost(name));
            if (NodeFleet.ReplacesLost(NodeRole.Gpu, state.Phase)) toRegister.Enqueue(name);
        }

        private void LoseDataNode()
        {
            if (state.DataNodes.Count < 2) return; // one is always there eventually: the simulation has no autoscaler
            string name = state.DataNodes[rng.Next(state.DataNodes.Count)];
            totals.DataNodesLost++;
            Apply(state.Lost(name));
            toRegister.Enqueue(name);
        }

        private void Scale()
        {
            var plan = NodeFleet.Scale(state.DataNodes, 1 + rng.Next(3), nextDataNode);
            nextDataNode = plan.NextIndex;
            foreach (string name in plan.Launch) toRegister.Enqueue(name);
            foreach (string name in plan.Retire)
            {
                Apply(state.Retire(name));
                Apply(state.Departed(name));
            }
            totals.Scales++;
        }

        // `cluster train` again after the coordinator died: it starts from the newest checkpoint on disk, and every node
        // registers again (the embedded launcher started them with the coordinator, so they went with it).
        private void RestartCoordinator()
        {
            RestorePoint? resume = disk.Count == 0 ? null : disk.Values.Last().Point;
            // A checkpoint of the very last step holds the whole job; `cluster train` refuses to start past it.
            if (resume?.Cursor is { } last && last.Epoch == Epochs - 1 && last.CommittedCount == last.BatchCount) return;
            var nodes = state.Nodes.Keys.ToList();
            wire.Clear();
            trainers.Clear();
            groupGeneration = -1;
            state = JobState.Start(Limits, Plan, "127.0.0.1", 29500, resume);
            foreach (string node in nodes) Register(node);
            totals.CoordinatorRestarts++;
        }
    }

    private sealed class Trainer
    {
        public long Generation { get; private set; } = -1;

        public int Rank { get; private set; }

        public Dictionary<int, (LedgerCursor Before, List<ScheduledEntry> Entries)> Schedules { get; } = [];

        public void Join(FormGroup form)
        {
            Generation = form.Generation;
            Rank = form.Rank;
            Schedules.Clear();
        }

        public void Leave()
        {
            Generation = -1;
            Schedules.Clear();
        }
    }

    private sealed class Totals
    {
        public int TrainersLost;
        public int DataNodesLost;
        public int Scales;
        public int CoordinatorRestarts;
        public int ResumedFromCheckpoint;
        public int RolledBackToStart;
        public int EpochsSentAhead;
    }
}
