using Cluster.Coordinator.Jobs;
using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;
using NodeRole = Cluster.Shared.Protocol.NodeRole;

namespace Cluster.Coordinator.Tests.Jobs;

public class JobStateTests
{
    private static PlannedEpoch Plan(int epoch, int batches) =>
        new(epoch, [.. Enumerable.Range(0, batches).Select(b => new EpochBatch($"e{epoch}-b{b}", [$"u{b * 2}", $"u{b * 2 + 1}"]))]);

    private static JobState Start(int batches = 12, int? maxSteps = null, int? epochs = 1, int trainers = 2, int accumulation = 1, int shards = 4) =>
        JobState.Start(new JobLimits(maxSteps, epochs, accumulation, trainers, shards), e => Plan(e, batches), "127.0.0.1", 29500);

    private static NodeInfo Data(string name) => new(name, NodeRole.Data, $"cluster.tcp://{name}@127.0.0.1:1/user/data-node", 1, "");

    private static NodeInfo Gpu(string name) => new(name, NodeRole.Gpu, $"cluster.tcp://{name}@127.0.0.1:2/user/trainer", 2, "cpu");

    private static JobTransition Running(JobState state, params string[] nodes)
    {
        var messages = new List<Dispatch>();
        foreach (string node in nodes)
        {
            JobTransition t = state.Register(node.StartsWith("data", StringComparison.Ordinal) ? Data(node) : Gpu(node));
            state = t.State;
            messages.AddRange(t.Messages);
        }

        return new JobTransition(state, messages);
    }

    private static IEnumerable<T> To<T>(IEnumerable<Dispatch> messages, string node) => messages.Where(m => m.Node == node).Select(m => m.Message).OfType<T>();

    /// <summary>Commits every scheduled step in order, as each rank would after its optimizer step.</summary>
    private static JobTransition TrainAll(JobState state, Func<long, bool>? until = null)
    {
        var messages = new List<Dispatch>();
        foreach (var step in state.Schedule.GroupBy(b => b.Step).OrderBy(g => g.Key))
        {
            if (until is not null && !until(step.Key)) break;
            for (int rank = 0; rank < state.Ranks.WorldSize; rank++)
            {
                var commit = new StepCommitted { Generation = state.Generation, Rank = rank, Step = step.Key, Epoch = state.Ledger.Epoch, Loss = 1.0 / step.Key, Examples = 2, StepSeconds = 0.5 };
                commit.BatchIds.Add(step.Where(b => b.Rank == rank).Select(b => b.BatchId));
                JobTransition t = state.Committed(commit);
                state = t.State;
                messages.AddRange(t.Messages);
                if (state.Phase == JobPhase.Finished) return new JobTransition(state, messages);
            }
        }

        return new JobTransition(state, messages);
    }

    [Fact]
    public void The_group_forms_once_the_expected_trainers_and_a_data_node_are_there()
    {
        var t = Running(Start(trainers: 2), "gpu-0", "data-1");
        Assert.Equal(JobPhase.Waiting, t.State.Phase);
        Assert.Empty(t.Messages.Select(m => m.Message).OfType<FormGroup>());

        t = t.State.Register(Gpu("gpu-1"));
        Assert.Equal(JobPhase.Training, t.State.Phase);
        var forms = t.Messages.Select(m => (m.Node, Form: m.Message as FormGroup)).Where(m => m.Form is not null).ToList();
        Assert.Equal(["gpu-0", "gpu-1"], forms.Select(f => f.Node));
        Assert.Equal([0, 1], forms.Select(f => f.Form!.Rank));
        Assert.All(forms, f => Assert.Equal(2, f.Form!.WorldSize));
        Assert.All(forms, f => Assert.Equal(29500, f.Form!.StorePort));
        Assert.All(forms, f => Assert.Equal("", f.Form!.ResumeFrom));
        var assigned = To<AssignShards>(t.Messages, "data-1").Last();
        Assert.Equal(12, assigned.Shards.Sum(s => s.Batches.Count));
    }

    [Fact]
    public void A_schedule_gives_every_rank_every_entry_world_size_batches_per_step_in_plan_order()
    {
        var t = Running(Start(batches: 7, trainers: 2), "data-1", "gpu-0", "gpu-1");
        var schedules = t.Messages.Where(m => m.Message is EpochSchedule).ToList();
        Assert.Equal(["gpu-0", "gpu-1"], schedules.Select(s => s.Node));
        var schedule = (EpochSchedule)schedules[0].Message;
        Assert.Equal(schedule, (EpochSchedule)schedules[1].Message);
        Assert.Equal(Enumerable.Range(0, 7).Select(b => $"e0-b{b}"), schedule.Batches.Select(b => b.BatchId));
        Assert.Equal([1L, 1, 2, 2, 3, 3, 4], schedule.Batches.Select(b => b.Step));
        Assert.Equal([0, 1, 0, 1, 0, 1, 0], schedule.Batches.Select(b => b.Rank));
        Assert.Equal(Enumerable.Range(0, 7), schedule.Batches.Select(b => b.Position));
        Assert.All(schedule.Batches, b => Assert.Equal("cluster.tcp://data-1@127.0.0.1:1/user/data-node", schedule.ShardOwners[b.Shard]));
        Assert.Equal(0, LedgerCursorJson.Parse(schedule.CommittedBefore, "test").CommittedCount);
    }

    [Theory]
    [InlineData(7, null, 3, 2, 1, 12)] // 4 steps an epoch (the last takes one batch), 3 epochs
    [InlineData(8, null, 2, 2, 2, 4)] // 2 steps an epoch with 2 batches per rank and step
    [InlineData(7, 5, null, 2, 1, 5)] // max_steps decides
    public void Every_schedule_carries_the_jobs_length_in_steps_for_the_learning_rate_schedule(int batches, int? maxSteps, int? epochs, int trainers, int accumulation, int total)
    {
        var t = Running(Start(batches: batches, maxSteps: maxSteps, epochs: epochs, trainers: trainers, accumulation: accumulation), "data-1", "gpu-0", "gpu-1");
        Assert.All(t.Messages.Select(m => m.Message).OfType<EpochSchedule>(), schedule => Assert.Equal(total, schedule.TotalSteps));
        Assert.Equal(total, new JobLimits(maxSteps, epochs, accumulation, trainers, 4).TotalSteps(batches, trainers));
    }

    [Fact]
    public void Gradient_accumulation_puts_several_batches_of_a_rank_in_one_step()
    {
        var t = Running(Start(batches: 8, trainers: 2, accumulation: 2), "data-1", "gpu-0", "gpu-1");
        var schedule = To<EpochSchedule>(t.Messages, "gpu-0").Single();
        Assert.Equal([1L, 1, 1, 1, 2, 2, 2, 2], schedule.Batches.Select(b => b.Step));
        Assert.Equal([0, 1, 0, 1, 0, 1, 0, 1], schedule.Batches.Select(b => b.Rank));
    }

    [Fact]
    public void Training_an_epoch_commits_every_batch_once_and_finishes_the_job()
    {
        var t = Running(Start(batches: 9, epochs: 1), "data-1", "data-2", "gpu-0", "gpu-1");
        t = TrainAll(t.State);
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.False(t.State.Failed);
        Assert.True(t.State.Ledger.IsComplete);
        Assert.Equal(9, t.State.Ledger.CommittedCount);
        Assert.Equal(5, t.State.CompletedStep);
        Assert.Single(To<StopTraining>(t.Messages, "gpu-1"));
        Assert.Single(To<StopDataNode>(t.Messages, "data-2"));
    }

    [Fact]
    public void A_step_is_applied_only_when_every_rank_reported_even_if_a_later_step_arrives_first()
    {
        var state = Running(Start(batches: 8), "data-1", "gpu-0", "gpu-1").State;
        StepCommitted Commit(int rank, long step)
        {
            var c = new StepCommitted { Generation = state.Generation, Rank = rank, Step = step, Epoch = 0, Loss = 2 };
            c.BatchIds.Add(state.Schedule.Where(b => b.Step == step && b.Rank == rank).Select(b => b.BatchId));
            return c;
        }

        state = state.Committed(Commit(0, 1)).State;
        state = state.Committed(Commit(0, 2)).State;
        Assert.Equal(0, state.CompletedStep);
        Assert.Equal(0, state.Ledger.CommittedCount);
        state = state.Committed(Commit(1, 2)).State;
        state = state.Committed(Commit(1, 1)).State;
        Assert.Equal(2, state.CompletedStep);
        Assert.Equal(4, state.Ledger.CommittedCount);
    }

    [Fact]
    public void The_next_epoch_starts_once_the_rank_without_batches_in_the_last_step_committed()
    {
        var state = Running(Start(batches: 3, epochs: 2), "data-1", "gpu-0", "gpu-1").State;
        StepCommitted Commit(int rank, long step)
        {
            var c = new StepCommitted { Generation = state.Generation, Rank = rank, Step = step, Epoch = 0 };
            c.BatchIds.Add(state.Schedule.Where(b => b.Step == step && b.Rank == rank).Select(b => b.BatchId));
            return c;
        }

        state = state.Committed(Commit(0, 1)).State.Committed(Commit(1, 1)).State;
        var last = state.Committed(Commit(0, 2));
        Assert.Equal(1, last.State.CompletedStep);
        Assert.Empty(last.Messages);
        var next = last.State.Committed(Commit(1, 2));
        Assert.Equal(1, next.State.Ledger.Epoch);
        // Epoch 1 was scheduled ahead when the group formed; the last epoch has nothing after it to send.
        Assert.Empty(next.Messages.Select(m => m.Message).OfType<EpochSchedule>());
        Assert.Equal([1], To<AssignShards>(next.Messages, "data-1").Single().Shards.Select(s => s.Epoch).Distinct());
    }

    [Fact]
    public void Commits_of_an_old_generation_are_ignored()
    {
        var state = Running(Start(batches: 8), "data-1", "gpu-0", "gpu-1").State;
        var stale = new StepCommitted { Generation = state.Generation - 1, Rank = 0, Step = 1, Epoch = 0 };
        stale.BatchIds.Add("e0-b0");
        Assert.Same(state, state.Committed(stale).State);
    }

    [Fact]
    public void Max_steps_cut_the_schedule_and_end_the_job()
    {
        var t = Running(Start(batches: 20, maxSteps: 3, epochs: null), "data-1", "gpu-0", "gpu-1");
        Assert.Equal(3, t.State.Schedule.Max(b => b.Step));
        t = TrainAll(t.State);
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.Contains("max steps", t.State.FinishReason);
        Assert.Equal(6, t.State.Ledger.CommittedCount);
    }

    [Fact]
    public void The_next_epoch_is_assigned_and_scheduled_ahead_continuing_the_step_count()
    {
        var t = Running(Start(batches: 4, epochs: 2), "data-1", "gpu-0", "gpu-1");
        var schedules = To<EpochSchedule>(t.Messages, "gpu-0").ToList();
        Assert.Equal([0, 1], schedules.Select(s => s.Epoch));
        Assert.Equal(3, schedules[1].Batches.Min(b => b.Step));
        Assert.Equal(["e1-b0", "e1-b1", "e1-b2", "e1-b3"], schedules[1].Batches.Select(b => b.BatchId));
        Assert.Equal(schedules[0].ShardOwners, schedules[1].ShardOwners);
        var cursor = LedgerCursorJson.Parse(schedules[1].CommittedBefore, "test");
        Assert.Equal((1, 4, 0), (cursor.Epoch, cursor.BatchCount, cursor.Committed.Count));
        var assigned = To<AssignShards>(t.Messages, "data-1").Last();
        Assert.Equal(8, assigned.Shards.Sum(s => s.Batches.Count));
        Assert.Equal([0, 1], assigned.Shards.Select(s => s.Epoch).Distinct());

        t = TrainAll(t.State);
        Assert.Equal(JobPhase.Training, t.State.Phase);
        Assert.Equal(1, t.State.Ledger.Epoch);
        Assert.Empty(To<EpochSchedule>(t.Messages, "gpu-0"));
        Assert.Equal(schedules[1].Batches, t.State.Schedule);
        Assert.All(To<AssignShards>(t.Messages, "data-1").Single().Shards, s => Assert.Equal(1, s.Epoch));
        t = TrainAll(t.State);
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.Equal(4, t.State.CompletedStep);
    }

    [Fact]
    public void A_rank_that_starts_the_epoch_sent_ahead_before_another_finished_the_last_step_is_buffered_until_then()
    {
        var formed = Running(Start(batches: 4, epochs: 3), "data-1", "gpu-0", "gpu-1");
        var state = formed.State;
        StepCommitted Commit(int rank, long step, int epoch, IEnumerable<ScheduledBatch> schedule)
        {
            var c = new StepCommitted { Generation = state.Generation, Rank = rank, Step = step, Epoch = epoch };
            c.BatchIds.Add(schedule.Where(b => b.Step == step && b.Rank == rank).Select(b => b.BatchId));
            return c;
        }

        var epoch0 = state.Schedule;
        var epoch1 = To<EpochSchedule>(formed.Messages, "gpu-0").Single(s => s.Epoch == 1).Batches;
        state = state.Committed(Commit(0, 1, 0, epoch0)).State.Committed(Commit(1, 1, 0, epoch0)).State;
        state = state.Committed(Commit(0, 2, 0, epoch0)).State;
        // Rank 0 is already through the first step of epoch 1 while rank 1's last commit of epoch 0 is on its way.
        var early = state.Committed(Commit(0, 3, 1, epoch1));
        Assert.Equal((0, 1L), (early.State.Ledger.Epoch, early.State.CompletedStep));
        Assert.Empty(early.Messages);
        var t = early.State.Committed(Commit(1, 2, 0, epoch0));
        Assert.Equal((1, 2L), (t.State.Ledger.Epoch, t.State.CompletedStep));
        // Epoch 2 goes ahead now, after epoch 1's last step (4).
        Assert.Equal([5], To<EpochSchedule>(t.Messages, "gpu-1").Select(s => s.Batches.Min(b => b.Step)));
        t = t.State.Committed(Commit(1, 3, 1, epoch1));
        Assert.Equal((1, 3L), (t.State.Ledger.Epoch, t.State.CompletedStep));
        Assert.Equal(2, t.State.Ledger.CommittedCount);
    }

    [Fact]
    public void Nothing_goes_ahead_on_the_last_epoch_or_when_max_steps_end_the_job_inside_this_one()
    {
        Assert.Null(Running(Start(batches: 4, epochs: 1), "data-1", "gpu-0", "gpu-1").State.Upcoming);
        Assert.Null(Running(Start(batches: 8, maxSteps: 4, epochs: null), "data-1", "gpu-0", "gpu-1").State.Upcoming);
        var t = Running(Start(batches: 8, maxSteps: 5, epochs: null), "data-1", "gpu-0", "gpu-1");
        var ahead = To<EpochSchedule>(t.Messages, "gpu-0").Single(s => s.Epoch == 1);
        Assert.Equal([5L], ahead.Batches.Select(b => b.Step).Distinct());
    }

    [Fact]
    public void A_new_group_gets_the_rest_of_the_epoch_and_the_next_one_ahead_and_moved_shards_carry_both_epochs()
    {
        var t = Running(Start(batches: 8, epochs: 2, trainers: 2), "data-1", "data-2", "gpu-0", "gpu-1");
        t = TrainAll(t.State, until: step => step <= 2);
        t = t.State.Lost("gpu-1");
        t = t.State.FormWithAvailable();
        var schedules = To<EpochSchedule>(t.Messages, "gpu-0").ToList();
        Assert.Equal([0, 1], schedules.Select(s => s.Epoch));
        Assert.Equal(schedules[0].Batches.Max(b => b.Step) + 1, schedules[1].Batches.Min(b => b.Step));
        Assert.Equal(t.State.Generation, t.State.Upcoming!.Generation);

        t = t.State.Lost("data-2");
        var assigned = To<AssignShards>(t.Messages, "data-1").Single();
        Assert.Equal([0, 1], assigned.Shards.Select(s => s.Epoch).Distinct());
        Assert.Equal(8, assigned.Shards.Where(s => s.Epoch == 1).Sum(s => s.Batches.Count));
    }

    [Fact]
    public void A_lost_data_node_hands_its_shards_to_the_others_and_trainers_learn_the_new_owners()
    {
        var t = Running(Start(batches: 12, shards: 4), "data-1", "data-2", "gpu-0", "gpu-1");
        var state = t.State;
        var sent = state.Allocator.ShardsOf("data-2").SelectMany(s => state.Shards.Shards[s].BatchIds).First();
        state = state.Sent(new BatchSent { Epoch = 0, BatchId = sent, Node = "data-2" }).State;
        Assert.Equal(1, state.Ledger.InFlightCount);

        t = state.Lost("data-2");
        Assert.Equal(0, t.State.Ledger.InFlightCount);
        Assert.Equal(4, t.State.Allocator.ShardsOf("data-1").Count);
        var assignment = To<AssignShards>(t.Messages, "data-1").Single();
        Assert.Equal(4, assignment.Shards.Count);
        Assert.True(assignment.Version > state.AssignVersion);
        foreach (string trainer in new[] { "gpu-0", "gpu-1" })
            Assert.All(To<ShardOwners>(t.Messages, trainer).Single().ShardOwners_.Values, owner => Assert.Contains("data-1@", owner));
        Assert.DoesNotContain(t.Messages, m => m.Node == "data-2");
        Assert.Equal(JobPhase.Training, t.State.Phase);

        t = TrainAll(t.State);
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.Equal(12, t.State.Ledger.CommittedCount);
    }

    [Fact]
    public void Owners_are_sent_again_to_the_group_only_while_training()
    {
        var state = Running(Start(batches: 8), "data-1", "gpu-0", "gpu-1").State;
        var again = state.OwnersAgain();
        Assert.Equal(["gpu-0", "gpu-1"], again.Messages.Select(m => m.Node));
        Assert.All(again.Messages, m => Assert.Equal(state.ShardOwnerPaths(), ((ShardOwners)m.Message).ShardOwners_));
        Assert.Empty(state.Halt(HoldIntent.Pause, "paused", checkpoint: false).State.OwnersAgain().Messages);
    }

    [Fact]
    public void A_joining_data_node_takes_a_share_and_only_affected_nodes_are_told()
    {
        var t = Running(Start(batches: 12, shards: 6), "data-1", "data-2", "gpu-0", "gpu-1");
        t = t.State.Register(Data("data-3"));
        Assert.Equal(2, t.State.Allocator.ShardsOf("data-3").Count);
        Assert.Single(To<AssignShards>(t.Messages, "data-3"));
        Assert.Equal(2, To<ShardOwners>(t.Messages, "gpu-0").Single().ShardOwners_.Values.Count(o => o.Contains("data-3@", StringComparison.Ordinal)));
    }

    [Fact]
    public void Trainers_are_restarted_only_when_a_group_that_trained_goes_back_to_the_initial_weights()
    {
        var t = Running(Start(batches: 12), "data-1", "gpu-0", "gpu-1");
        t = TrainAll(t.State, step => step <= 2);
        var trained = t.State;

        // No checkpoint: the survivor holds weights of step 2 that the rolled-back job must not keep.
        Assert.Equal(["gpu-0"], NodeFleet.TrainersToRestart(trained.CompletedStep, trained.Lost("gpu-1")));
        // With one, the group resumes from it: the processes stay.
        var checkpointed = trained.Checkpointed(new RestorePoint(2, "/ckpt/step-2", trained.Ledger.CursorAt(2))).State;
        Assert.Empty(NodeFleet.TrainersToRestart(checkpointed.CompletedStep, checkpointed.Lost("gpu-1")));
        // Nothing trained yet: nothing to unlearn.
        var fresh = Running(Start(batches: 12), "data-1", "gpu-0", "gpu-1").State;
        Assert.Empty(NodeFleet.TrainersToRestart(0, fresh.Lost("gpu-1")));
    }

    [Fact]
    public void A_lost_trainer_aborts_the_group_rolls_back_to_the_checkpoint_and_the_replacement_resumes_from_it()
    {
        var t = Running(Start(batches: 12), "data-1", "gpu-0", "gpu-1");
        t = TrainAll(t.State, step => step <= 4);
        var state = t.State;
        Assert.Equal(4, state.CompletedStep);
        var cursor = state.Ledger.CursorAt(2);
        state = state.Checkpointed(new RestorePoint(2, "/ckpt/step-2", cursor)).State;
        long generation = state.Generation;

        t = state.Lost("gpu-1");
        Assert.Equal(JobPhase.Waiting, t.State.Phase);
        var abort = To<AbortGroup>(t.Messages, "gpu-0").Single();
        Assert.Equal(generation, abort.Generation);
        Assert.Equal(4, t.State.Ledger.CommittedCount);
        Assert.Equal(2, t.State.CompletedStep);

        t = t.State.Register(Gpu("gpu-1"));
        Assert.Equal(JobPhase.Training, t.State.Phase);
        Assert.True(t.State.Generation > generation);
        Assert.All(t.Messages.Select(m => m.Message).OfType<FormGroup>(), f => Assert.Equal("/ckpt/step-2", f.ResumeFrom));
        var schedule = To<EpochSchedule>(t.Messages, "gpu-1").Single();
        Assert.Equal(3, schedule.Batches.Min(b => b.Step));
        Assert.Equal(8, schedule.Batches.Count);
        Assert.Equal(Enumerable.Range(4, 8), schedule.Batches.Select(b => b.Position));
        Assert.Equal(cursor, LedgerCursorJson.Parse(schedule.CommittedBefore, "test"));

        t = TrainAll(t.State);
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.Equal(12, t.State.Ledger.CommittedCount);
    }

    [Fact]
    public void A_checkpoint_newer_than_the_last_commits_is_adopted_and_says_which_batches_it_carries()
    {
        var t = Running(Start(batches: 12), "data-1", "gpu-0", "gpu-1");
        t = TrainAll(t.State, step => step <= 3);
        var state = t.State;
        // Step 4 was trained and checkpointed (the cursor says so), but the ranks were lost before committing it.
        var after4 = TrainAll(state, step => step <= 4).State.Ledger.CursorAt(4);
        state = state.Checkpointed(new RestorePoint(4, "/ckpt/step-4", after4)).State;
        Assert.Empty(state.AdoptedFromCheckpoint(t.State));

        var lost = state.Lost("gpu-1").State;

        Assert.Equal(4, lost.CompletedStep);
        Assert.Equal(8, lost.Ledger.CommittedCount);
        var adopted = lost.AdoptedFromCheckpoint(state);
        Assert.Equal(2, adopted.Count);
        Assert.All(adopted, id => Assert.False(state.Ledger.IsCommitted(id)));
        Assert.Empty(lost.AdoptedFromCheckpoint(lost));
    }

    [Fact]
    public void Without_a_checkpoint_a_lost_trainer_restarts_the_epoch_from_scratch_with_the_survivors()
    {
        var t = Running(Start(batches: 6), "data-1", "gpu-0", "gpu-1");
        t = TrainAll(t.State, step => step <= 1);
        t = t.State.Lost("gpu-0");
        Assert.Equal(0, t.State.Ledger.CommittedCount);
        Assert.Equal(JobPhase.Waiting, t.State.Phase);
        t = t.State.FormWithAvailable();
        Assert.Equal(JobPhase.Training, t.State.Phase);
        Assert.Equal(["gpu-1"], t.State.Ranks.Members);
        Assert.Equal("", To<FormGroup>(t.Messages, "gpu-1").Single().ResumeFrom);
        Assert.Equal(6, To<EpochSchedule>(t.Messages, "gpu-1").Single().Batches.Count(b => b.Rank == 0));
    }

    [Fact]
    public void A_checkpoint_that_closed_its_epoch_resumes_on_the_next_one()
    {
        var t = Running(Start(batches: 4, epochs: 3), "data-1", "gpu-0", "gpu-1");
        var full = t.State.Ledger;
        t = TrainAll(t.State);
        var closed = t.State;
        Assert.Equal(1, closed.Ledger.Epoch);
        var cursor = new LedgerCursor(0, 2, 4, [new CommittedRange(0, 4)]);
        t = closed.Checkpointed(new RestorePoint(2, "/ckpt/step-2", cursor)).State.Lost("gpu-1");
        t = t.State.FormWithAvailable();
        Assert.Equal(1, t.State.Ledger.Epoch);
        // The new group was not sent epoch 1 ahead: it gets epoch 1 now, and epoch 2 ahead (one rank: 4 steps each).
        var schedules = To<EpochSchedule>(t.Messages, "gpu-0").ToList();
        Assert.Equal([1, 2], schedules.Select(s => s.Epoch));
        Assert.Equal([3, 7], schedules.Select(s => s.Batches.Min(b => b.Step)));
        Assert.Equal(0, full.CommittedCount);
    }

    [Fact]
    public void A_restarted_coordinator_resumes_from_the_checkpoint_with_its_ledger()
    {
        // 12 batches, 2 ranks: steps 1..3 (batches 0..5) were committed when step 3 was checkpointed.
        var cursor = new LedgerCursor(0, 3, 12, [new CommittedRange(0, 6)]);
        var resumed = JobState.Start(new JobLimits(null, 1, 1, 2, 4), e => Plan(e, 12), "127.0.0.1", 29500, new RestorePoint(3, "/ckpt/step-3", cursor));
        Assert.Equal(3, resumed.CompletedStep);
        Assert.Equal(6, resumed.Ledger.CommittedCount);
        var t = Running(resumed, "data-1", "gpu-0", "gpu-1");
        Assert.All(To<FormGroup>(t.Messages, "gpu-0").Concat(To<FormGroup>(t.Messages, "gpu-1")), form => Assert.Equal("/ckpt/step-3", form.ResumeFrom));
        var schedule = To<EpochSchedule>(t.Messages, "gpu-0").Single();
        Assert.Equal(4, schedule.Batches.Min(b => b.Step));
        Assert.Equal(Enumerable.Range(6, 6).Select(b => $"e0-b{b}"), schedule.Batches.Select(b => b.BatchId));
        var done = TrainAll(t.State).State;
        Assert.Equal(JobPhase.Finished, done.Phase);
        Assert.Equal(12, done.Ledger.CommittedCount);
        Assert.Equal(0, done.Progress.DuplicateCommits);
    }

    [Fact]
    public void A_checkpoint_at_the_jobs_end_is_refused_with_what_to_change()
    {
        var atMax = new RestorePoint(4, "/ckpt/step-4", new LedgerCursor(0, 4, 12, [new CommittedRange(0, 8)]));
        var error = Assert.Throws<InvalidOperationException>(() => JobState.Start(new JobLimits(4, null, 1, 2, 4), e => Plan(e, 12), "127.0.0.1", 29500, atMax));
        Assert.Contains("max_steps", error.Message);
        Assert.Contains("/ckpt/step-4", error.Message);
        var closed = new RestorePoint(6, "/ckpt/step-6", new LedgerCursor(0, 6, 12, [new CommittedRange(0, 12)]));
        error = Assert.Throws<InvalidOperationException>(() => JobState.Start(new JobLimits(null, 1, 1, 2, 4), e => Plan(e, 12), "127.0.0.1", 29500, closed));
        Assert.Contains("epochs", error.Message);
        var nextEpoch = JobState.Start(new JobLimits(null, 2, 1, 2, 4), e => Plan(e, 12), "127.0.0.1", 29500, closed);
        var t = Running(nextEpoch, "data-1", "gpu-0", "gpu-1");
        Assert.Equal(1, t.State.Ledger.Epoch);
        Assert.Equal(7, To<EpochSchedule>(t.Messages, "gpu-1").Single().Batches.Min(b => b.Step));
    }

    [Fact]
    public void A_trainer_that_finishes_early_ends_the_job_once_every_rank_committed_that_step()
    {
        var t = Running(Start(batches: 12), "data-1", "gpu-0", "gpu-1");
        var state = TrainAll(t.State, step => step <= 1).State;
        var early = state.TrainingFinished(new TrainingFinished { Generation = state.Generation, Rank = 0, Step = 2, Reason = "early stopping" });
        Assert.Equal(JobPhase.Training, early.State.Phase);
        var done = TrainAll(early.State, step => step <= 2).State;
        Assert.Equal(JobPhase.Finished, done.Phase);
        Assert.Equal(2, done.CompletedStep);
        Assert.Contains("early stopping", done.FinishReason);
    }

    [Fact]
    public void Repeated_trainer_failures_without_progress_end_the_job_as_failed()
    {
        var state = Running(Start(batches: 6), "data-1", "gpu-0", "gpu-1").State;
        for (int i = 0; i < 3; i++)
            state = state.TrainerFailed(new TrainerFailed { Generation = state.Generation, Rank = 0, Reason = "nccl timeout" }).State;
        Assert.Equal(JobPhase.Finished, state.Phase);
        Assert.True(state.Failed);
        Assert.Contains("nccl timeout", state.FinishReason);
    }

    [Fact]
    public void Pause_aborts_the_group_and_resume_forms_a_new_generation()
    {
        var state = Running(Start(batches: 6), "data-1", "gpu-0", "gpu-1").State;
        long generation = state.Generation;
        var paused = state.Halt(HoldIntent.Pause, "paused", checkpoint: false);
        Assert.Equal(JobPhase.Paused, paused.State.Phase);
        Assert.Equal(2, paused.Messages.Select(m => m.Message).OfType<AbortGroup>().Count());
        Assert.Empty(paused.State.FormWithAvailable().Messages);
        var resumed = paused.State.Resume();
        Assert.Equal(JobPhase.Training, resumed.State.Phase);
        Assert.Equal(generation + 1, resumed.State.Generation);
    }

    [Fact]
    public void A_steps_data_stall_is_the_largest_share_a_rank_waited_for_its_batch()
    {
        var state = Running(Start(batches: 12), "data-1", "gpu-0", "gpu-1").State;
        // Rank 0 waited 0.1 s of a 0.5 s step, rank 1 0.3 s of a 1.0 s step: the stall is rank 1's 30 %, not 0.3 / 0.5.
        foreach (var (rank, seconds, wait) in new[] { (0, 0.5, 0.1), (1, 1.0, 0.3) })
        {
            var commit = new StepCommitted { Generation = state.Generation, Rank = rank, Step = 1, Loss = 1, Examples = 2, StepSeconds = seconds, DataWaitSeconds = wait };
            commit.BatchIds.Add(state.Schedule.Where(b => b.Step == 1 && b.Rank == rank).Select(b => b.BatchId));
            state = state.Committed(commit).State;
        }

        Assert.Equal(1, state.CompletedStep);
        Assert.Equal(0.3, state.Progress.DataStall, 12);
        Assert.Equal(0.3, state.Progress.DataWaitSeconds, 12);
    }

    /// <summary>Every rank commits <paramref name="step"/> of the current schedule.</summary>
    private static JobTransition CommitStep(JobState state, long step)
    {
        var messages = new List<Dispatch>();
        for (int rank = 0; rank < state.Ranks.WorldSize; rank++)
        {
            var commit = new StepCommitted { Generation = state.Generation, Rank = rank, Step = step, Epoch = state.Ledger.Epoch, Loss = 1.0 / step, Examples = 2, StepSeconds = 0.5 };
            commit.BatchIds.Add(state.Schedule.Where(b => b.Step == step && b.Rank == rank).Select(b => b.BatchId));
            JobTransition t = state.Committed(commit);
            state = t.State;
            messages.AddRange(t.Messages);
        }

        return new JobTransition(state, messages);
    }

    /// <summary>Two ranks trained steps 1 to 3 (batches 12: six steps) with a checkpoint of step 2.</summary>
    private static JobState TrainedToStep3()
    {
        var state = TrainAll(Running(Start(batches: 12), "data-1", "gpu-0", "gpu-1").State, step => step <= 3).State;
        return state.Checkpointed(new RestorePoint(2, "/ckpt/step-2", state.Ledger.CursorAt(2))).State;
    }

    private static JobTransition HeldAt(JobState state, long rank0, long rank1)
    {
        var t = state.StepsHeld(new StepsHeld { Generation = state.Generation, Rank = 0, Frontier = rank0 });
        Assert.Empty(t.Messages);
        return t.State.StepsHeld(new StepsHeld { Generation = state.Generation, Rank = 1, Frontier = rank1 });
    }

    [Fact]
    public void A_pause_holds_the_ranks_trains_the_furthest_step_and_pauses_once_it_is_committed_and_checkpointed()
    {
        JobState state = TrainedToStep3();
        long generation = state.Generation;

        var t = state.Halt(HoldIntent.Pause, "paused", checkpoint: true);
        Assert.Equal(JobPhase.Training, t.State.Phase);
        Assert.NotNull(t.State.Holding);
        Assert.All(["gpu-0", "gpu-1"], node => Assert.Equal(generation, To<HoldSteps>(t.Messages, node).Single().Generation));
        Assert.Equal("pausing", Cluster.Coordinator.Runtime.JobStatus.From("tiny", t.State).Holding);

        // Rank 0 is inside step 4, rank 1 finished step 3: both stop after step 4.
        t = HeldAt(t.State, rank0: 4, rank1: 3);
        Assert.All(["gpu-0", "gpu-1"], node => Assert.Equal(4, To<CheckpointAt>(t.Messages, node).Single().Step));

        t = CommitStep(t.State, 4);
        Assert.Equal(JobPhase.Training, t.State.Phase);
        Assert.Null(t.State.LastHoldOutcome);
        var cursor = t.State.Ledger.CursorAt(4);
        t = t.State.Checkpointed(new RestorePoint(4, "/ckpt/step-4", cursor));

        Assert.Equal(JobPhase.Paused, t.State.Phase);
        Assert.Null(t.State.Holding);
        Assert.Equal(2, t.Messages.Select(m => m.Message).OfType<AbortGroup>().Count());
        Assert.Equal(4, t.State.CompletedStep);
        HoldOutcome outcome = t.State.LastHoldOutcome!;
        Assert.False(outcome.FellBack);
        Assert.Equal(4, outcome.Step);
        Assert.Equal("paused at step 4 (step-4 written)", outcome.Message);

        var resumed = t.State.Resume();
        Assert.All(resumed.Messages.Select(m => m.Message).OfType<FormGroup>(), f => Assert.Equal("/ckpt/step-4", f.ResumeFrom));
        Assert.Equal(8, To<EpochSchedule>(resumed.Messages, "gpu-0").Single().Batches.Min(b => b.Position));
    }

    [Fact]
    public void A_stop_whose_checkpoint_arrives_before_the_last_commits_ends_the_job_on_that_step()
    {
        var t = TrainedToStep3().Halt(HoldIntent.Stop, "stopped through the API", checkpoint: true);
        t = HeldAt(t.State, rank0: 3, rank1: 3);
        var cursor = CommitStep(t.State, 3).State.Ledger.CursorAt(3);
        t = t.State.Checkpointed(new RestorePoint(3, "/ckpt/step-3", cursor));
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.Equal("stopped at step 3 (step-3 written)", t.State.LastHoldOutcome!.Message);
        Assert.Equal("stopped through the API", t.State.FinishReason);
        Assert.False(t.State.Failed);
        Assert.All(["gpu-0", "gpu-1"], node => Assert.Single(To<StopTraining>(t.Messages, node)));
    }

    [Fact]
    public void A_held_step_that_a_periodic_checkpoint_already_holds_ends_the_hold_at_once()
    {
        var state = TrainAll(Running(Start(batches: 12), "data-1", "gpu-0", "gpu-1").State, step => step <= 2).State;
        state = state.Checkpointed(new RestorePoint(2, "/ckpt/step-2", state.Ledger.CursorAt(2))).State;
        var t = HeldAt(state.Halt(HoldIntent.Pause, "paused", checkpoint: true).State, rank0: 2, rank1: 2);
        Assert.Equal(JobPhase.Paused, t.State.Phase);
        Assert.Equal("paused at step 2 (step-2 already held it)", t.State.LastHoldOutcome!.Message);
    }

    [Fact]
    public void A_trainer_lost_during_a_pause_falls_back_to_the_last_complete_checkpoint_and_says_which()
    {
        var t = HeldAt(TrainedToStep3().Halt(HoldIntent.Pause, "paused", checkpoint: true).State, rank0: 4, rank1: 4);
        t = t.State.Lost("gpu-1");
        Assert.Equal(JobPhase.Paused, t.State.Phase);
        Assert.Null(t.State.Holding);
        Assert.Equal(2, t.State.CompletedStep);
        Assert.Equal(4, t.State.Ledger.CommittedCount);
        HoldOutcome outcome = t.State.LastHoldOutcome!;
        Assert.True(outcome.FellBack);
        Assert.Equal(2, outcome.Step);
        Assert.Equal("paused at step 3: the checkpoint of step 4 was not written (gpu-1 was lost); resume continues from step-2 (step 2)", outcome.Message);
        // The survivor's group was torn down; the replacement waits for resume.
        Assert.Single(To<AbortGroup>(t.Messages, "gpu-0"));
        Assert.Equal(JobPhase.Paused, t.State.Register(Gpu("gpu-1")).State.Phase);
    }

    [Fact]
    public void A_hold_that_runs_out_of_time_stops_on_the_last_complete_checkpoint_and_an_old_timer_is_ignored()
    {
        JobState holding = TrainedToStep3().Halt(HoldIntent.Stop, "interrupted (SIGTERM)", checkpoint: true).State;
        Assert.Same(holding, holding.HoldTimedOut(holding.Generation - 1, TimeSpan.FromSeconds(5)).State);
        var t = holding.HoldTimedOut(holding.Generation, TimeSpan.FromSeconds(5));
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.Equal("stopped at step 3: the trainers could not be held at a step (not written within 5 s); `cluster train` again continues from step-2 (step 2)",
            t.State.LastHoldOutcome!.Message);
    }

    [Fact]
    public void Without_a_checkpoint_the_pause_acts_at_once_and_names_the_step_it_goes_back_to()
    {
        var t = TrainedToStep3().Halt(HoldIntent.Pause, "paused", checkpoint: false);
        Assert.Equal(JobPhase.Paused, t.State.Phase);
        Assert.Equal(2, t.State.CompletedStep);
        Assert.Equal("paused at step 3 without a checkpoint of step 3, as asked; resume continues from step-2 (step 2)", t.State.LastHoldOutcome!.Message);

        var waiting = Running(Start(), "data-1").State.Halt(HoldIntent.Stop, "stopped", checkpoint: true);
        Assert.Equal(JobPhase.Finished, waiting.State.Phase);
        Assert.Equal("stopped at step 0 (no group was training); `cluster train` again continues from step 0 (there is no checkpoint)", waiting.State.LastHoldOutcome!.Message);
    }

    [Fact]
    public void A_stop_overtakes_a_pause_in_progress_and_a_trainer_joining_meanwhile_does_not_regroup()
    {
        var t = TrainedToStep3().Halt(HoldIntent.Pause, "paused", checkpoint: true);
        long generation = t.State.Generation;
        t = t.State.Halt(HoldIntent.Stop, "stopped through the API", checkpoint: true);
        Assert.Empty(t.Messages);
        t = t.State.Register(Gpu("gpu-2"));
        Assert.Equal(generation, t.State.Generation);
        t = HeldAt(t.State, rank0: 3, rank1: 3);
        t = t.State.Checkpointed(new RestorePoint(3, "/ckpt/step-3", CommitStep(t.State, 3).State.Ledger.CursorAt(3)));
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.StartsWith("stopped at step 3", t.State.LastHoldOutcome!.Message);
    }

    [Fact]
    public void A_job_that_reaches_its_end_while_held_says_so()
    {
        var state = TrainAll(Running(Start(batches: 12, maxSteps: 4, epochs: null), "data-1", "gpu-0", "gpu-1").State, step => step <= 3).State;
        var t = HeldAt(state.Halt(HoldIntent.Pause, "paused", checkpoint: true).State, rank0: 4, rank1: 4);
        t = CommitStep(t.State, 4);
        Assert.Equal(JobPhase.Finished, t.State.Phase);
        Assert.Equal("the job finished at step 4 (reached max steps (4)) before the pause took effect", t.State.LastHoldOutcome!.Message);
    }

    [Fact]
    public void Retiring_a_data_node_moves_its_shards_and_tells_it_to_stop()
    {
        var state = Running(Start(batches: 8), "data-1", "data-2", "gpu-0").State;
        var t = state.Retire("data-2");
        Assert.Single(To<StopDataNode>(t.Messages, "data-2"));
        Assert.DoesNotContain("data-2", t.State.DataNodes);
        Assert.Empty(t.State.Allocator.ShardsOf("data-2"));
    }

    [Fact]
    public void A_retired_data_node_finishes_what_it_was_asked_and_only_once_it_has_left_do_trainers_ask_the_new_owner()
    {
        var state = Running(Start(batches: 8, trainers: 1), "data-1", "data-2", "gpu-0").State;
        string path = state.Nodes["data-2"].ActorPath;
        var t = state.Retire("data-2");
        var owners = To<ShardOwners>(t.Messages, "gpu-0").Single();
        Assert.Equal([path], owners.Finishing);
        Assert.DoesNotContain(path, owners.ShardOwners_.Values);
        // Owners sent again meanwhile (the settle timer) still name it as finishing.
        Assert.Equal([path], To<ShardOwners>(t.State.OwnersAgain().Messages, "gpu-0").Single().Finishing);
        var gone = t.State.Departed("data-2");
        Assert.Empty(gone.State.Retiring);
        Assert.Empty(To<ShardOwners>(gone.Messages, "gpu-0").Single().Finishing);
        Assert.Empty(gone.State.Departed("data-2").Messages);
        Assert.Empty(state.Retire("gpu-0").Messages);
    }

    [Fact]
    public void A_node_name_cannot_change_role()
    {
        var state = Running(Start(), "data-1").State;
        Assert.Throws<ArgumentException>(() => state.Register(Gpu("data-1")));
    }

    [Fact]
    public void A_job_without_an_end_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Start(maxSteps: null, epochs: null));
        Assert.Contains("max_steps", error.Message);
    }
}
