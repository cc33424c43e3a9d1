using Cluster.Shared.Checkpoints;
using Cluster.Shared.Jobs;
using Cluster.Shared.Planning;
using Cluster.Torch;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode.Tests;

public sealed class PlainDecisionTests
{
    private static JobSpec Job(string evaluation) => JobSpecLoader.Parse($"""
        name: duties
        model:
          whisper:
            size: tiny
        data:
          train: train.jsonl
          {evaluation}
          language: zh
        optimizer:
          lr: 1.0e-4
        schedule:
          max_steps: 100
        batching:
          batch_size: 8
        evaluation:
          every_steps: 4
        checkpointing:
          every_steps: 8
        """, "duties test", "/work/job");

    [Fact]
    public void Rank_zero_evaluates_and_checkpoints_on_multiples_of_their_cadence_from_step_one()
    {
        JobSpec job = Job("eval: dev.jsonl");
        Assert.Equal([4, 8, 12], Enumerable.Range(0, 13).Where(s => StepDuties.Evaluates(job, s)));
        Assert.Equal([8], Enumerable.Range(0, 13).Where(s => StepDuties.Checkpoints(job, s)));
        JobSpec withoutEvaluationData = Job("");
        Assert.DoesNotContain(Enumerable.Range(0, 13), s => StepDuties.Evaluates(withoutEvaluationData, s));
    }

    [Fact]
    public void CPU_trainers_talk_over_Gloo_and_CUDA_ones_over_NCCL()
    {
        Assert.Equal(DistributedBackend.Gloo, StepDuties.Backend(Device.CPU));
        Assert.Equal(DistributedBackend.Nccl, StepDuties.Backend(Device.Parse("cuda:0")));
    }

    [Fact]
    public void The_checkpoint_cursor_adds_the_steps_up_to_S_to_what_was_committed_before()
    {
        var before = new LedgerCursor(3, 4, 10, [new CommittedRange(0, 2)]);
        ScheduledEntry[] schedule = [new(5, 0, "x", 0, 3), new(5, 1, "y", 1, 2), new(6, 0, "z", 0, 7), new(7, 1, "w", 1, 4)];
        var cursor = CheckpointCursor.At(before, schedule, 6);
        Assert.Equal(new LedgerCursor(3, 6, 10, [new CommittedRange(0, 4), new CommittedRange(7, 1)]), cursor);
    }

    [Fact]
    public void The_checkpoint_cursor_refuses_positions_outside_the_plan_or_already_committed()
    {
        var before = new LedgerCursor(0, 1, 4, [new CommittedRange(0, 1)]);
        Assert.Throws<InvalidDataException>(() => CheckpointCursor.At(before, [new(2, 0, "x", 0, 4)], 2));
        Assert.Contains("committed before", Assert.Throws<InvalidDataException>(() => CheckpointCursor.At(before, [new(2, 0, "x", 0, 0)], 2)).Message);
    }

    [Theory]
    [InlineData("""{"Epoch":2,"Step":9,"BatchCount":8,"Committed":[{"Start":0,"Count":3}]}""")]
    [InlineData("""{"epoch":2,"step":9,"batch_count":8,"committed":[{"start":0,"count":3}]}""")]
    public void Cursor_json_is_read_in_either_naming(string json) =>
        Assert.Equal(new LedgerCursor(2, 9, 8, [new CommittedRange(0, 3)]), LedgerCursorJson.Parse(json, "test"));

    [Fact]
    public void Cursor_json_with_a_range_beyond_the_plan_is_refused() =>
        Assert.Contains("outside", Assert.Throws<InvalidDataException>(() =>
            LedgerCursorJson.Parse("""{"epoch":0,"step":1,"batch_count":2,"committed":[{"start":1,"count":2}]}""", "test")).Message);

    [Fact]
    public void Buckets_fill_to_the_budget_from_the_last_parameter_and_give_big_ones_their_own()
    {
        var buckets = GradientBuckets.Plan([10, 30, 100, 20, 20], bucketBytes: 40);
        Assert.Equal([[4, 3], [2], [1, 0]], buckets.Select(b => b.ToArray()).ToArray());
    }

    [Fact]
    public void Early_stopping_counts_evaluations_without_improvement()
    {
        var stopping = new EarlyStopping(patience: 2, MetricMode.Min);
        Assert.True(stopping.Observe(0.5));
        Assert.False(stopping.Observe(0.6));
        Assert.False(stopping.ShouldStop);
        Assert.True(stopping.Observe(0.4));
        Assert.False(stopping.Observe(0.4));
        Assert.False(stopping.Observe(double.NaN));
        Assert.True(stopping.ShouldStop);
    }

    [Fact]
    public void Early_stopping_for_a_higher_is_better_metric_resumes_from_its_best_and_counter()
    {
        var stopping = new EarlyStopping(patience: 2, MetricMode.Max, best: 10, withoutImprovement: 1);
        Assert.False(stopping.Observe(9));
        Assert.True(stopping.ShouldStop);
        Assert.False(new EarlyStopping(null, MetricMode.Max, 10, 5).ShouldStop);
    }

    [Fact]
    public void Step_seeds_differ_by_step_and_rank_and_repeat()
    {
        Assert.Equal(StepSeed.Of(7, 3, 1), StepSeed.Of(7, 3, 1));
        Assert.NotEqual(StepSeed.Of(7, 3, 1), StepSeed.Of(7, 3, 0));
        Assert.NotEqual(StepSeed.Of(7, 3, 1), StepSeed.Of(7, 4, 1));
    }
}
