using System.Collections.Immutable;
using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;
using NodeRole = Cluster.Shared.Protocol.NodeRole;

namespace Cluster.Coordinator.Jobs;

/// <summary>
/// The coordinator's decisions, without actors or I/O: who is in the job, which data node produces which shard, which
/// trainer has which rank in which generation, what each rank trains at which step, and what the exactly-once ledger
/// has committed. Every event returns the next state and the messages that make the nodes follow it.
/// </summary>
/// <remarks>
/// Commits are applied in step order, a step once every rank has reported it: the ranks' StepCommitted messages travel
/// on different connections, and the ledger only accepts steps that do not go back.
/// </remarks>
public sealed record JobState
{
    private const int MaxFailuresWithoutProgress = 3;

    private JobState(JobLimits limits, Func<int, PlannedEpoch> planner, string storeHost, int storePort)
    {
        Limits = limits;
        Planner = planner;
        StoreHost = storeHost;
        StorePort = storePort;
    }

    public JobLimits Limits { get; }

    public string StoreHost { get; }

    public int StorePort { get; }

    public ImmutableSortedDictionary<string, NodeInfo> Nodes { get; private init; } = ImmutableSortedDictionary.Create<string, NodeInfo>(StringComparer.Ordinal);

    public RankPlan Ranks { get; private init; } = RankPlan.Empty;

    /// <summary>The process group's generation; every FormGroup opens a new one.</summary>
    public long Generation { get; private init; }

    public JobPhase Phase { get; private init; } = JobPhase.Waiting;

    public string? FinishReason { get; private init; }

    public bool Failed { get; private init; }

    public required PlannedEpoch Epoch { get; init; }

    public required ShardPlan Shards { get; init; }

    public required Ledger Ledger { get; init; }

    public ShardAllocator Allocator { get; private init; } = ShardAllocator.Create([], []);

    public long AssignVersion { get; private init; }

    public RestorePoint? LatestCheckpoint { get; private init; }

    /// <summary>The checkpoint the current (or next) group loads; null: the job's initial weights.</summary>
    public RestorePoint? ResumeFrom { get; private init; }

    /// <summary>The next epoch, already assigned and scheduled while this one trains; null on the last epoch, when max
    /// steps end the job inside this one, or when the next epoch has a different number of shards (it then starts once
    /// this one is committed).</summary>
    public UpcomingEpoch? Upcoming { get; private init; }

    /// <summary>What the current generation trains, for every rank, in step order.</summary>
    public ImmutableArray<ScheduledBatch> Schedule { get; private init; } = [];

    /// <summary>The last step whose commits were all applied to the ledger (0 before the first).</summary>
    public long CompletedStep { get; private init; }

    public TrainingProgress Progress { get; private init; } = TrainingProgress.None;

    public int FailuresWithoutProgress { get; private init; }

    /// <summary>A trainer reported the end (early stopping, max steps) at this step; the job ends once every rank has
    /// committed it.</summary>
    public (long Step, string Reason)? FinishAt { get; private init; }

    /// <summary>A pause or stop waiting for the trainers to reach a step boundary and checkpoint it; null otherwise.</summary>
    public Hold? Holding { get; private init; }

    /// <summary>How the latest pause or stop ended (each one replaces it): what the command answers.</summary>
    public HoldOutcome? LastHoldOutcome { get; private init; }

    /// <summary>Retired data nodes that have not exited yet, by name, with their actor paths: they deliver what trainers
    /// asked them before they were retired, so trainers do not ask the new owners for it (<see cref="Departed"/>).</summary>
    /// <summary>Regroups, node failures and shard moves so far, by reason (for the metrics).</summary>
    public JobEventCounts Events { get; private init; } = JobEventCounts.Empty;

    public ImmutableSortedDictionary<string, string> Retiring { get; private init; } = ImmutableSortedDictionary.Create<string, string>(StringComparer.Ordinal);

    private Func<int, PlannedEpoch> Planner { get; }

    private ImmutableSortedDictionary<long, ImmutableDictionary<int, StepCommitted>> PendingCommits { get; init; } =
        ImmutableSortedDictionary<long, ImmutableDictionary<int, StepCommitted>>.Empty;

    public IReadOnlyList<string> DataNodes => [.. Nodes.Values.Where(n => n.Role == NodeRole.Data).Select(n => n.Name)];

    public IReadOnlyList<string> Trainers => [.. Nodes.Values.Where(n => n.Role == NodeRole.Gpu).Select(n => n.Name)];

    /// <summary>A job before any node registered: at epoch 0, or where <paramref name="resumeFrom"/> left off (a restarted
    /// coordinator continues from the latest checkpoint and its ledger, so no batch is skipped or trained twice).</summary>
    /// <exception cref="InvalidOperationException">The checkpoint already reached the job's end.</exception>
    public static JobState Start(JobLimits limits, Func<int, PlannedEpoch> planner, string storeHost, int storePort, RestorePoint? resumeFrom = null)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(planner);
        limits.Validate();
        PlannedEpoch epoch = PlanOf(planner, 0);
        ShardPlan shards = ShardPlan.Create(0, [.. epoch.Batches.Select(b => b.BatchId)], limits.ShardsPerEpoch);
        var start = new JobState(limits, planner, storeHost, storePort) { Epoch = epoch, Shards = shards, Ledger = Ledger.Start(shards), CompletedStep = 0 };
        if (resumeFrom is null) return start;
        if (limits.MaxSteps is int maxSteps && resumeFrom.Step >= maxSteps)
            throw new InvalidOperationException($"checkpoint {resumeFrom.Directory} is at step {resumeFrom.Step}, the job's schedule.max_steps ({maxSteps}): raise max_steps to train on, or use another checkpointing.directory to start over");
        JobState resumed = start.WithLatestCheckpoint(resumeFrom).RolledBack();
        if (limits.Epochs is int epochs && resumed.Ledger.IsComplete && resumed.Ledger.Epoch + 1 >= epochs)
            throw new InvalidOperationException($"checkpoint {resumeFrom.Directory} closed the job's last epoch ({epochs}): raise schedule.epochs to train on, or use another checkpointing.directory to start over");
        return resumed;
    }

    /// <summary>A node registered. A name already registered is a replacement process: the old one is treated as lost.</summary>
    public JobTransition Register(NodeInfo node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Phase == JobPhase.Finished) return new JobTransition(this, []);
        var messages = new List<Dispatch>();
        JobState state = this;
        if (Nodes.TryGetValue(node.Name, out NodeInfo? old))
        {
            if (old.Role != node.Role)
                throw new ArgumentException($"node '{node.Name}' is already registered as {old.Role}, not {node.Role}", nameof(node));
            JobTransition lost = Lost(node.Name, NodeFailureReasons.Replaced);
            state = lost.State;
            messages.AddRange(lost.Messages);
        }

        state = state with { Nodes = state.Nodes.SetItem(node.Name, node) };
        if (node.Role == NodeRole.Data)
        {
            ShardAllocator before = state.Allocator;
            state = state with { Allocator = before.WithNode(node.Name) };
            messages.AddRange(state.Reassigned(before, [node.Name], ShardMoveReasons.NodeJoined, ref state));
            return state.Then(messages, s => s.TryForm(enough: false));
        }

        // A trainer that joins while a pause or stop is being checkpointed waits for the next group.
        if (state.Phase == JobPhase.Training && state.Holding is null)
        {
            JobTransition regrouped = state.Regroup($"{node.Name} joined", RegroupReasons.TrainerJoined);
            messages.AddRange(regrouped.Messages);
            return regrouped.State.Then(messages, s => s.TryForm(enough: true));
        }

        return state.Then(messages, s => s.TryForm(enough: false));
    }

    /// <summary>A node died, was declared unreachable, or was retired. Losing a trainer of the running group aborts the
    /// group and rolls the ledger back to <see cref="LatestCheckpoint"/>; a new group forms once enough trainers are
    /// there (<see cref="FormWithAvailable"/> forms with fewer).</summary>
    /// <param name="failure">How it was lost (<see cref="NodeFailureReasons"/>, counted in <see cref="Events"/>); null for
    /// a node that was retired.</param>
    public JobTransition Lost(string name, string? failure = NodeFailureReasons.Disconnected)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (!Nodes.TryGetValue(name, out NodeInfo? node)) return new JobTransition(this, []);
        JobState state = this with { Nodes = Nodes.Remove(name) };
        if (failure is not null) state = state with { Events = Events.NodeFailed(node.Role == NodeRole.Data ? "data" : "gpu", failure) };
        if (Phase == JobPhase.Finished) return new JobTransition(state, []);
        if (node.Role == NodeRole.Data)
        {
            ShardAllocator before = state.Allocator;
            state = state with { Ledger = state.Ledger.SenderLost(name), Allocator = before.WithoutNode(name) };
            var messages = state.Reassigned(before, [], failure is null ? ShardMoveReasons.NodeRetired : ShardMoveReasons.NodeLost, ref state);
            return new JobTransition(state, messages);
        }

        if (state.Phase == JobPhase.Training && state.Ranks.RankOf(name) is not null)
        {
            JobTransition regrouped = state.Regroup($"{name} was lost", RegroupReasons.TrainerLost);
            return Holding is null ? regrouped : regrouped.State.FallBack([.. regrouped.Messages], $"{name} was lost", CompletedStep);
        }

        return new JobTransition(state, []);
    }

    /// <summary>Scale-down: the node's shards move to the others and it is told to finish and exit. It still delivers the
    /// batches trainers asked it for (they are not built again by the new owners) until it has exited.</summary>
    public JobTransition Retire(string dataNode)
    {
        if (!Nodes.TryGetValue(dataNode, out NodeInfo? node) || node.Role != NodeRole.Data) return new JobTransition(this, []);
        JobTransition lost = (this with { Retiring = Retiring.SetItem(dataNode, node.ActorPath) }).Lost(dataNode, failure: null);
        return new JobTransition(lost.State, [.. lost.Messages, new Dispatch(dataNode, new StopDataNode { Reason = "scaled down" })]);
    }

    /// <summary>A retired data node exited (or was lost): what it had not delivered is asked from the new owners.</summary>
    public JobTransition Departed(string dataNode)
    {
        if (!Retiring.ContainsKey(dataNode)) return new JobTransition(this, []);
        return (this with { Retiring = Retiring.Remove(dataNode) }).OwnersAgain();
    }

    /// <summary>Forms the group with the trainers there are (at least one), without waiting for the expected number:
    /// the grace time for a replacement ran out, or the job was resumed.</summary>
    public JobTransition FormWithAvailable() => TryForm(enough: true);

    /// <summary>The checkpoint a torn-down group rolls back to, as found on disk: older than the one reported last when
    /// that one was damaged since, or none.</summary>
    public JobState WithLatestCheckpoint(RestorePoint? checkpoint) => this with { LatestCheckpoint = checkpoint };

    public JobTransition Checkpointed(RestorePoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (LatestCheckpoint is { } latest && latest.Step >= checkpoint.Step) return new JobTransition(this, []);
        return (this with { LatestCheckpoint = checkpoint }).TryEndHold();
    }

    public JobTransition Committed(StepCommitted commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        bool knownEpoch = commit.Epoch == Ledger.Epoch || commit.Epoch == Upcoming?.Epoch;
        if (Phase != JobPhase.Training || commit.Generation != Generation || !knownEpoch || commit.Step <= CompletedStep)
            return new JobTransition(this, []);
        var atStep = PendingCommits.GetValueOrDefault(commit.Step) ?? ImmutableDictionary<int, StepCommitted>.Empty;
        JobState state = this with { PendingCommits = PendingCommits.SetItem(commit.Step, atStep.SetItem(commit.Rank, commit)) };
        var messages = new List<Dispatch>();
        while (state.PendingCommits.Count > 0)
        {
            var (step, byRank) = state.PendingCommits.First();
            // Every rank takes part in every step (a rank without batches in it contributes nothing but still
            // commits), and a step counts only once all have finished it. The steps of an epoch sent ahead follow the
            // current epoch's last step, so by the time one is complete the current epoch is, and the ledger has moved on.
            if (!Enumerable.Range(0, state.Ranks.WorldSize).All(byRank.ContainsKey) || byRank.Values.Any(c => c.Epoch != state.Ledger.Epoch)) break;
            state = state.Apply(step, byRank.Values);
            if (Limits.MaxSteps is int maxSteps && state.CompletedStep >= maxSteps)
                return state.Then(messages, s => s.Finish($"reached max steps ({maxSteps})", failed: false));
            if (state.FinishAt is { } end && state.CompletedStep >= end.Step) return state.Then(messages, s => s.Finish(end.Reason, failed: false));
            if (!state.Ledger.IsComplete) continue;
            if (Limits.Epochs is int epochs && state.Ledger.Epoch + 1 >= epochs)
                return state.Then(messages, s => s.Finish($"finished {epochs} epoch(s)", failed: false));
            JobTransition next = state.NextEpoch();
            state = next.State;
            messages.AddRange(next.Messages);
        }

        return state.Then(messages, s => s.TryEndHold());
    }

    public JobTransition Evaluated(EvaluationDone evaluation)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        var progress = Progress with
        {
            EvaluationStep = evaluation.Step,
            Evaluation = evaluation.Metrics.ToDictionary(),
            EvaluationSamples = [.. evaluation.Samples],
        };
        return new JobTransition(this with { Progress = progress }, []);
    }

    public JobTransition Skipped(SkippedExamples skipped)
    {
        ArgumentNullException.ThrowIfNull(skipped);
        return new JobTransition(this with { Progress = Progress with { SkippedExamples = Progress.SkippedExamples + skipped.Examples.Count } }, []);
    }

    /// <summary>A data node sent a batch: in flight until committed. Batches of another epoch are stale and ignored.</summary>
    public JobTransition Sent(BatchSent sent)
    {
        ArgumentNullException.ThrowIfNull(sent);
        if (sent.Epoch != Ledger.Epoch || !Ledger.Plan.Contains(sent.BatchId) || !Nodes.ContainsKey(sent.Node)) return new JobTransition(this, []);
        return new JobTransition(this with { Ledger = Ledger.Sent(sent.BatchId, sent.Node) }, []);
    }

    /// <summary>A trainer of the current group cannot go on: the group is torn down and formed again from the latest
    /// checkpoint, unless that keeps failing without a step in between.</summary>
    public JobTransition TrainerFailed(TrainerFailed failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        if (Phase != JobPhase.Training || failure.Generation != Generation) return new JobTransition(this, []);
        string reason = $"rank {failure.Rank} failed: {failure.Reason}";
        JobState counted = this with { Events = Events.NodeFailed("gpu", NodeFailureReasons.TrainingFailed) };
        if (Holding is not null)
        {
            JobTransition aborted = counted.Regroup(reason, RegroupReasons.TrainerFailed);
            return aborted.State.FallBack([.. aborted.Messages], reason, CompletedStep);
        }

        if (FailuresWithoutProgress + 1 >= MaxFailuresWithoutProgress)
            return counted.Finish($"{reason} ({MaxFailuresWithoutProgress} failures without progress)", failed: true);
        JobTransition regrouped = (counted with { FailuresWithoutProgress = FailuresWithoutProgress + 1 }).Regroup(reason, RegroupReasons.TrainerFailed);
        return regrouped.State.Then([.. regrouped.Messages], s => s.TryForm(enough: true));
    }

    public JobTransition TrainingFinished(TrainingFinished finished)
    {
        ArgumentNullException.ThrowIfNull(finished);
        if (Phase != JobPhase.Training || finished.Generation != Generation) return new JobTransition(this, []);
        string reason = $"rank {finished.Rank} finished at step {finished.Step}: {finished.Reason}";
        return CompletedStep >= finished.Step ? Finish(reason, failed: false) : new JobTransition(this with { FinishAt = (finished.Step, reason) }, []);
    }

    /// <summary>
    /// Pause or stop. With <paramref name="checkpoint"/>, a training group first keeps its work: every rank is held at a
    /// step boundary (HoldSteps), the furthest step any of them reached is trained by all (CheckpointAt) and checkpointed
    /// by rank 0, and the job pauses or ends once that step is committed and its checkpoint reported
    /// (<see cref="LastHoldOutcome"/> says so). Without it, or when no group is training, the job acts at once and the
    /// latest complete checkpoint is what remains. A stop overtakes a pause in progress.
    /// </summary>
    public JobTransition Halt(HoldIntent intent, string reason, bool checkpoint)
    {
        ArgumentException.ThrowIfNullOrEmpty(reason);
        if (Phase == JobPhase.Finished) return new JobTransition(this, []);
        if (Holding is { } holding)
        {
            if (!checkpoint)
            {
                JobTransition aborted = Regroup(reason, RegroupReasons.HoldAbandoned);
                return (aborted.State with { Holding = holding with { Intent = Stronger(holding.Intent, intent), Reason = reason } })
                    .FallBack([.. aborted.Messages], "asked to go on without it", CompletedStep);
            }

            return new JobTransition(intent == HoldIntent.Stop ? this with { Holding = holding with { Intent = HoldIntent.Stop, Reason = reason } } : this, []);
        }

        if (Phase == JobPhase.Training && checkpoint)
        {
            var hold = new HoldSteps { Generation = Generation };
            return new JobTransition(this with { Holding = new Hold(intent, reason, Generation, LatestCheckpoint?.Step) },
                [.. Ranks.Members.Where(Nodes.ContainsKey).Select(member => new Dispatch(member, hold.Clone()))]);
        }

        long trained = CompletedStep;
        JobTransition acted = Act(intent, reason);
        bool lost = Phase == JobPhase.Training && trained != (LatestCheckpoint?.Step ?? 0);
        string how = Phase != JobPhase.Training ? " (no group was training)"
            : lost ? $" without a checkpoint of step {trained}, as asked" : $" ({Path.GetFileName(LatestCheckpoint?.Directory)} already held it)";
        return acted.State.Ended(intent, trained, lost, acted.Messages, how, tellWhereFrom: true);
    }

    /// <summary>A rank answered HoldSteps. Once all have, the step they stop after is the furthest any of them reached
    /// (every rank is at most one step behind it, so the ones behind can catch up without a collective left waiting).</summary>
    public JobTransition StepsHeld(StepsHeld report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (Holding is not { Target: null } hold || report.Generation != hold.Generation || Phase != JobPhase.Training) return new JobTransition(this, []);
        hold = hold with { Frontiers = hold.Frontiers.SetItem(report.Rank, report.Frontier) };
        if (!Enumerable.Range(0, Ranks.WorldSize).All(hold.Frontiers.ContainsKey)) return new JobTransition(this with { Holding = hold }, []);
        // A rank whose group had not formed trained nothing in it (-1): the group's start is the completed step.
        long target = Math.Max(CompletedStep, hold.Frontiers.Values.Max());
        var at = new CheckpointAt { Generation = Generation, Step = target };
        JobState state = this with { Holding = hold with { Target = target } };
        return state.Then([.. Ranks.Members.Where(Nodes.ContainsKey).Select(member => new Dispatch(member, at.Clone()))], s => s.TryEndHold());
    }

    /// <summary>The hold of <paramref name="generation"/> did not end within <paramref name="limit"/>: the job pauses or
    /// stops on the latest complete checkpoint.</summary>
    public JobTransition HoldTimedOut(long generation, TimeSpan limit)
    {
        if (Holding is not { } hold || hold.Generation != generation) return new JobTransition(this, []);
        string why = $"not written within {limit.TotalSeconds:0.#} s";
        JobTransition aborted = Regroup(why, RegroupReasons.HoldAbandoned);
        return aborted.State.FallBack([.. aborted.Messages], why, CompletedStep);
    }

    public JobTransition Resume() =>
        Phase == JobPhase.Paused ? (this with { Phase = JobPhase.Waiting }).TryForm(enough: true) : new JobTransition(this, []);

    /// <summary>Ends the job: trainers and data nodes are told to stop.</summary>
    public JobTransition Finish(string reason, bool failed)
    {
        if (Phase == JobPhase.Finished) return new JobTransition(this, []);
        var messages = new List<Dispatch>();
        foreach (NodeInfo node in Nodes.Values)
        {
            object stop = node.Role == NodeRole.Gpu ? new StopTraining { Reason = reason } : new StopDataNode { Reason = reason };
            messages.Add(new Dispatch(node.Name, stop));
        }

        JobState finished = this with { Phase = JobPhase.Finished, FinishReason = reason, Failed = failed, PendingCommits = PendingCommits.Clear(), Holding = null };
        // The job reached its end (max steps, the last epoch, a failure) while a pause or stop waited for its step.
        // (A hold that ends as planned is cleared before it stops the job.)
        if (Holding is { } hold)
        {
            finished = finished with
            {
                LastHoldOutcome = new HoldOutcome(hold.Intent, CompletedStep, FellBack: false,
                    $"the job finished at step {CompletedStep} ({reason}) before the {Verb(hold.Intent, past: false)} took effect"),
            };
        }

        return new JobTransition(finished, messages);
    }

    /// <summary>
    /// The shard owners again, for every trainer of the running group. AssignShards (to data nodes) and the schedules or
    /// owners (to trainers) travel on different connections, so a trainer's request can reach a data node before its
    /// new assignment and be refused; the trainer then waits for owners, which this sends once the assignment is there.
    /// </summary>
    public JobTransition OwnersAgain()
    {
        if (Phase != JobPhase.Training) return new JobTransition(this, []);
        var owners = Owners();
        return new JobTransition(this, [.. Ranks.Members.Where(Nodes.ContainsKey).Select(m => new Dispatch(m, owners.Clone()))]);
    }

    private ShardOwners Owners()
    {
        var owners = new ShardOwners { Generation = Generation, Epoch = Ledger.Epoch };
        owners.ShardOwners_.Add(ShardOwnerPaths());
        owners.Finishing.Add(Retiring.Values);
        return owners;
    }

    /// <summary>The data node that produces each shard, by actor path (what trainers send RequestBatches to).</summary>
    public Dictionary<int, string> ShardOwnerPaths() =>
        Allocator.Owners.Where(pair => pair.Value is not null && Nodes.ContainsKey(pair.Value))
            .ToDictionary(pair => pair.Key, pair => Nodes[pair.Value!].ActorPath);

    /// <summary>Ends a hold whose step is committed and checkpointed (or nothing was trained to keep).</summary>
    private JobTransition TryEndHold()
    {
        if (Phase != JobPhase.Training || Holding is not { Target: long target } hold || CompletedStep < target) return new JobTransition(this, []);
        bool kept = target == 0 ? LatestCheckpoint is null : LatestCheckpoint?.Step == target;
        if (!kept) return new JobTransition(this, []);
        string how = target == 0 ? " (nothing trained yet, no checkpoint needed)"
            : $" ({Path.GetFileName(LatestCheckpoint!.Directory)} {(hold.CheckpointBefore == target ? "already held it" : "written")})";
        JobTransition acted = (this with { Holding = null }).Act(hold.Intent, hold.Reason);
        return acted.State.Ended(hold.Intent, target, fellBack: false, acted.Messages, how, tellWhereFrom: false);
    }

    /// <summary>The hold could not end as planned (a trainer lost or failed, the time ran out): the group is already
    /// torn down and rolled back to the latest complete checkpoint, which is what the job pauses or stops on.</summary>
    /// <param name="reached">The step the job had completed before it was rolled back.</param>
    private JobTransition FallBack(List<Dispatch> before, string why, long reached)
    {
        Hold hold = Holding!;
        string missed = hold.Target is long target ? $"the checkpoint of step {target} was not written" : "the trainers could not be held at a step";
        JobTransition acted = (this with { Holding = null }).Act(hold.Intent, hold.Reason);
        return acted.State.Ended(hold.Intent, reached, fellBack: true, [.. before, .. acted.Messages], $": {missed} ({why})", tellWhereFrom: true);
    }

    /// <summary>Pauses (the group torn down, waiting for resume) or stops (the job ends).</summary>
    private JobTransition Act(HoldIntent intent, string reason)
    {
        if (intent == HoldIntent.Stop) return Finish(reason, failed: false);
        if (Phase != JobPhase.Training) return new JobTransition(this with { Phase = JobPhase.Paused }, []);
        JobTransition aborted = Regroup(reason, RegroupReasons.Paused);
        return new JobTransition(aborted.State with { Phase = JobPhase.Paused }, aborted.Messages);
    }

    /// <summary>Records how a pause or stop ended: the step the job continues from and where.</summary>
    private JobTransition Ended(HoldIntent intent, long reached, bool fellBack, IReadOnlyList<Dispatch> messages, string how, bool tellWhereFrom)
    {
        long step = LatestCheckpoint?.Step ?? 0;
        string message = $"{Verb(intent, past: true)} at step {reached}{how}";
        if (tellWhereFrom)
        {
            string from = LatestCheckpoint is { } c ? $"{Path.GetFileName(c.Directory)} (step {c.Step})" : "step 0 (there is no checkpoint)";
            message += $"; {(intent == HoldIntent.Pause ? "resume" : "`cluster train` again")} continues from {from}";
        }

        var outcome = new HoldOutcome(intent, step, fellBack, message);
        return new JobTransition(this with { LastHoldOutcome = outcome }, messages);
    }

    private static string Verb(HoldIntent intent, bool past) => (intent, past) switch
    {
        (HoldIntent.Pause, true) => "paused",
        (HoldIntent.Pause, false) => "pause",
        (_, true) => "stopped",
        _ => "stop",
    };

    private static HoldIntent Stronger(HoldIntent a, HoldIntent b) => a == HoldIntent.Stop || b == HoldIntent.Stop ? HoldIntent.Stop : HoldIntent.Pause;

    private static PlannedEpoch PlanOf(Func<int, PlannedEpoch> planner, int epoch)
    {
        PlannedEpoch plan = planner(epoch);
        if (plan.Epoch != epoch) throw new InvalidOperationException($"the planner returned epoch {plan.Epoch} for epoch {epoch}");
        if (plan.Batches.Count == 0) throw new InvalidOperationException($"epoch {epoch} has no batches: the training data is empty");
        return plan;
    }

    private JobTransition Then(List<Dispatch> before, Func<JobState, JobTransition> next)
    {
        JobTransition after = next(this);
        return new JobTransition(after.State, [.. before, .. after.Messages]);
    }

    private JobTransition TryForm(bool enough)
    {
        if (Phase != JobPhase.Waiting) return new JobTransition(this, []);
        int trainers = Trainers.Count;
        if (DataNodes.Count == 0 || trainers == 0 || (!enough && trainers < Limits.ExpectedTrainers)) return new JobTransition(this, []);

        JobState state = this with
        {
            Ranks = Ranks.FormedFrom(Trainers),
            Generation = Generation + 1,
            Phase = JobPhase.Training,
            PendingCommits = PendingCommits.Clear(),
        };
        var messages = new List<Dispatch>();
        for (int rank = 0; rank < state.Ranks.WorldSize; rank++)
        {
            messages.Add(new Dispatch(state.Ranks.Members[rank], new FormGroup
            {
                Generation = state.Generation,
                Rank = rank,
                WorldSize = state.Ranks.WorldSize,
                StoreHost = StoreHost,
                StorePort = StorePort,
                ResumeFrom = state.ResumeFrom?.Directory ?? "",
            }));
        }

        if (state.Ledger.IsComplete)
        {
            // The checkpoint closed its epoch: the group starts on the next one.
            if (Limits.Epochs is int epochs && state.Ledger.Epoch + 1 >= epochs) return state.Finish($"finished {epochs} epoch(s)", failed: false);
            JobTransition next = state.NextEpoch();
            return new JobTransition(next.State, [.. messages, .. next.Messages]);
        }

        state = state with { Allocator = ShardAllocator.Create(Enumerable.Range(0, state.Shards.Shards.Count), state.DataNodes) };
        state = state.Scheduled();
        messages.AddRange(state.AssignAll(ref state));
        messages.AddRange(state.Schedules());
        return new JobTransition(state, messages);
    }

    /// <summary>Aborts the running group and rolls the ledger back to the latest checkpoint (the weights the next group
    /// loads never saw the later batches).</summary>
    /// <summary>Batches this state's ledger counts as committed that <paramref name="earlier"/> did not, in plan order,
    /// when a roll-back moved forward: a group rolled back to a checkpoint written after the last step whose commits
    /// arrived (its ranks were lost between writing it and committing), so that checkpoint, not a StepCommitted, is
    /// the record of those batches. Empty otherwise.</summary>
    public IReadOnlyList<string> AdoptedFromCheckpoint(JobState earlier)
    {
        ArgumentNullException.ThrowIfNull(earlier);
        if (ResumeFrom is not { } from || ReferenceEquals(from, earlier.ResumeFrom) || from.Step <= earlier.CompletedStep
            || Ledger.Epoch != earlier.Ledger.Epoch)
            return [];
        return [.. Epoch.Batches.Select(b => b.BatchId).Where(id => Ledger.IsCommitted(id) && !earlier.Ledger.IsCommitted(id))];
    }

    private JobTransition Regroup(string reason, string category)
    {
        var messages = Ranks.Members.Where(Nodes.ContainsKey)
            .Select(member => new Dispatch(member, new AbortGroup { Generation = Generation, Reason = reason })).ToList();
        JobState state = RolledBack() with { Phase = JobPhase.Waiting, Schedule = [], Upcoming = null, Events = Events.Regrouped(category) };
        return new JobTransition(state, messages);
    }

    private JobState RolledBack()
    {
        RestorePoint? restore = LatestCheckpoint;
        int epoch = restore?.Cursor.Epoch ?? 0;
        var (plan, shards) = EpochPlanOf(epoch);
        Ledger ledger = restore is null ? Ledger.Start(shards) : Ledger.Restore(shards, restore.Cursor);
        return this with
        {
            Epoch = plan,
            Shards = shards,
            Ledger = ledger,
            ResumeFrom = restore,
            CompletedStep = restore?.Step ?? 0,
            FinishAt = null,
            PendingCommits = PendingCommits.Clear(),
        };
    }

    private JobState Apply(long step, IEnumerable<StepCommitted> commits)
    {
        Ledger ledger = Ledger;
        long duplicates = Progress.DuplicateCommits;
        var list = commits.OrderBy(c => c.Rank).ToList();
        foreach (StepCommitted commit in list)
        {
            LedgerCommit result = ledger.Commit(step, [.. commit.BatchIds]);
            ledger = result.Ledger;
            duplicates += result.Duplicates.Count;
        }

        double slowest = list.Max(c => c.StepSeconds);
        int examples = list.Sum(c => c.Examples);
        var progress = Progress with
        {
            Step = step,
            Loss = list.Average(c => c.Loss),
            LearningRate = list[0].LearningRate,
            ExamplesPerSecond = slowest > 0 ? examples / slowest : 0,
            DataWaitSeconds = list.Max(c => c.DataWaitSeconds),
            DataStall = list.Max(c => c.StepSeconds > 0 ? Math.Clamp(c.DataWaitSeconds / c.StepSeconds, 0, 1) : 0),
            DuplicateCommits = duplicates,
        };
        return this with
        {
            Ledger = ledger,
            CompletedStep = step,
            Progress = progress,
            FailuresWithoutProgress = 0,
            PendingCommits = PendingCommits.Remove(step),
        };
    }

    /// <summary>The current epoch is committed: the next one becomes current. When it was sent ahead to this generation,
    /// the trainers already train it and the data nodes already own its shards; what goes out is the one after it.</summary>
    private JobTransition NextEpoch()
    {
        int epoch = Ledger.Epoch + 1;
        bool sentAhead = Upcoming is { } upcoming && upcoming.Epoch == epoch && upcoming.Generation == Generation && Phase == JobPhase.Training;
        var (plan, shards) = EpochPlanOf(epoch);
        JobState state = this with
        {
            Epoch = plan,
            Shards = shards,
            Ledger = Ledger.Start(shards),
            Allocator = shards.Shards.Count == Shards.Shards.Count ? Allocator : ShardAllocator.Create(Enumerable.Range(0, shards.Shards.Count), DataNodes),
        };
        state = state.Scheduled();
        var messages = state.AssignAll(ref state);
        messages.AddRange(sentAhead ? state.UpcomingSchedules() : state.Schedules());
        return new JobTransition(state, messages);
    }

    /// <summary>The rest of the current epoch scheduled, and the next epoch planned to go ahead where it can (see
    /// <see cref="Upcoming"/>).</summary>
    private JobState Scheduled()
    {
        JobState state = this with { Schedule = ScheduleOf(Ledger.Outstanding(), CompletedStep + 1, Shards) };
        int next = Ledger.Epoch + 1;
        long lastStep = state.LastScheduledStep;
        if (Phase != JobPhase.Training || (Limits.Epochs is int epochs && next >= epochs) || (Limits.MaxSteps is int max && lastStep >= max))
            return state with { Upcoming = null };
        var (plan, shards) = EpochPlanOf(next);
        return state with { Upcoming = shards.Shards.Count == Shards.Shards.Count ? new UpcomingEpoch(plan, shards, Generation) : null };
    }

    private long LastScheduledStep => Schedule.Length > 0 ? Schedule[^1].Step : CompletedStep;

    /// <summary>The plan and shards of an epoch: the current one's, the one planned ahead, or planned now.</summary>
    private (PlannedEpoch Plan, ShardPlan Shards) EpochPlanOf(int epoch)
    {
        if (epoch == Epoch.Epoch) return (Epoch, Shards);
        if (Upcoming is { } upcoming && upcoming.Epoch == epoch) return (upcoming.Plan, upcoming.Shards);
        PlannedEpoch plan = PlanOf(Planner, epoch);
        return (plan, ShardPlan.Create(epoch, [.. plan.Batches.Select(b => b.BatchId)], Limits.ShardsPerEpoch));
    }

    /// <summary>AssignShards for the nodes whose shards changed (plus <paramref name="always"/>), and the new owners for
    /// the trainers of a running group.</summary>
    private List<Dispatch> Reassigned(ShardAllocator before, IReadOnlyCollection<string> always, string moveReason, ref JobState state)
    {
        var affected = new SortedSet<string>(always, StringComparer.Ordinal);
        var moves = ShardAllocator.Moves(before, state.Allocator).ToList();
        foreach (ShardMove move in moves)
        {
            if (move.From is not null) affected.Add(move.From);
            if (move.To is not null) affected.Add(move.To);
        }
        // A first placement (no owner before) or a shard left without any owner is not a move.
        state = state with { Events = state.Events.ShardsMoved(moveReason, moves.Count(m => m.From is not null && m.To is not null)) };

        var messages = new List<Dispatch>();
        long version = state.AssignVersion;
        foreach (string node in affected.Where(state.Nodes.ContainsKey))
            messages.Add(new Dispatch(node, state.Assignment(node, ++version)));
        state = state with { AssignVersion = version };
        if (state.Phase == JobPhase.Training && affected.Count > 0)
        {
            var owners = state.Owners();
            foreach (string trainer in state.Ranks.Members.Where(state.Nodes.ContainsKey))
                messages.Add(new Dispatch(trainer, owners.Clone()));
        }

        return messages;
    }

    private List<Dispatch> AssignAll(ref JobState state)
    {
        long version = state.AssignVersion;
        var messages = new List<Dispatch>();
        foreach (string node in state.DataNodes) messages.Add(new Dispatch(node, state.Assignment(node, ++version)));
        state = state with { AssignVersion = version };
        return messages;
    }

    private AssignShards Assignment(string node, long version)
    {
        var assignment = new AssignShards { Version = version };
        var items = ItemsOf(Epoch);
        var upcomingItems = Upcoming is { } ahead ? ItemsOf(ahead.Plan) : null;
        foreach (int shard in Allocator.ShardsOf(node))
        {
            assignment.Shards.Add(ShardBatchesOf(Epoch.Epoch, items, Shards.Shards[shard], id => !Ledger.IsCommitted(id)));
            if (Upcoming is { } upcoming) assignment.Shards.Add(ShardBatchesOf(upcoming.Epoch, upcomingItems!, upcoming.Shards.Shards[shard], _ => true));
        }

        return assignment;
    }

    private static Dictionary<string, IReadOnlyList<string>> ItemsOf(PlannedEpoch plan) =>
        plan.Batches.ToDictionary(b => b.BatchId, b => b.ItemIds, StringComparer.Ordinal);

    private static ShardBatches ShardBatchesOf(int epoch, Dictionary<string, IReadOnlyList<string>> items, Shard shard, Func<string, bool> due)
    {
        var batches = new ShardBatches { Epoch = epoch, Shard = shard.Index };
        foreach (string id in shard.BatchIds.Where(due))
        {
            var planned = new PlannedBatchItems { BatchId = id };
            planned.ItemIds.Add(items[id]);
            batches.Batches.Add(planned);
        }

        return batches;
    }

    /// <summary>The messages of <see cref="Schedule"/> for every trainer, and of the next epoch's when it goes ahead.</summary>
    private List<Dispatch> Schedules()
    {
        string committed = LedgerCursorJson.Serialize(Ledger.CursorAt(Ledger.Step));
        var messages = ScheduleMessages(Ledger.Epoch, Schedule, committed);
        messages.AddRange(UpcomingSchedules());
        return messages;
    }

    /// <summary>The next epoch's schedule (nothing of it committed), from the step after the current epoch's last.</summary>
    private List<Dispatch> UpcomingSchedules()
    {
        if (Upcoming is not { } upcoming) return [];
        var entries = ScheduleOf(upcoming.Shards.BatchIds, LastScheduledStep + 1, upcoming.Shards);
        string committed = LedgerCursorJson.Serialize(Ledger.Start(upcoming.Shards).CursorAt(-1));
        return ScheduleMessages(upcoming.Epoch, entries, committed);
    }

    /// <summary>Outstanding batches as steps from <paramref name="first"/>: <c>world size × accumulation</c> per step, in
    /// plan order, batch k of a step to rank k mod world size; cut at max steps. Every trainer gets every entry.</summary>
    private ImmutableArray<ScheduledBatch> ScheduleOf(IReadOnlyList<string> outstanding, long first, ShardPlan shards)
    {
        int world = Ranks.WorldSize;
        int perStep = world * Limits.GradientAccumulation;
        var entries = ImmutableArray.CreateBuilder<ScheduledBatch>();
        for (int k = 0; k < outstanding.Count; k++)
        {
            long step = first + k / perStep;
            if (Limits.MaxSteps is int max && step > max) break;
            entries.Add(new ScheduledBatch { Step = step, Rank = k % perStep % world, BatchId = outstanding[k], Shard = shards.ShardOf(outstanding[k]), Position = shards.PositionOf(outstanding[k]) });
        }

        return entries.ToImmutable();
    }

    private List<Dispatch> ScheduleMessages(int epoch, ImmutableArray<ScheduledBatch> entries, string committedBefore)
    {
        var schedule = new EpochSchedule
        {
            Generation = Generation, Epoch = epoch, CommittedBefore = committedBefore,
            TotalSteps = Limits.TotalSteps(Ledger.Plan.BatchIds.Count, Ranks.WorldSize),
        };
        schedule.Batches.Add(entries);
        schedule.ShardOwners.Add(ShardOwnerPaths());
        return [.. Ranks.Members.Select(trainer => new Dispatch(trainer, schedule.Clone()))];
    }
}
