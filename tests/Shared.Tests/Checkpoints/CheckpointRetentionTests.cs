using Cluster.Shared.Checkpoints;

namespace Cluster.Shared.Tests.Checkpoints;

public class CheckpointRetentionTests
{
    private static RetentionCandidate Done(long step, double? metric = null) => new(step, true, metric);

    [Fact]
    public void Keeps_the_last_K_and_the_best_K_lower_is_better()
    {
        RetentionCandidate[] candidates = [Done(100, 0.30), Done(200, 0.12), Done(300, 0.25), Done(400, 0.20), Done(500, 0.22)];

        var decision = CheckpointRetention.Decide(candidates, new RetentionPolicy(keepLast: 2, keepBest: 2, "cer", MetricMode.Min));

        Assert.Equal([200L, 400, 500], decision.Keep);
        Assert.Equal([100L, 300], decision.Delete);
    }

    [Fact]
    public void Higher_is_better_under_max()
    {
        RetentionCandidate[] candidates = [Done(1, 9.5), Done(2, 12.0), Done(3, 11.0), Done(4, 3.0)];

        var decision = CheckpointRetention.Decide(candidates, new RetentionPolicy(keepLast: 1, keepBest: 1, "si_snri", MetricMode.Max));

        Assert.Equal([2L, 4], decision.Keep);
    }

    [Fact]
    public void Ties_go_to_the_newer_step_and_missing_or_NaN_metrics_are_never_best()
    {
        RetentionCandidate[] candidates = [Done(1, 0.5), Done(2, 0.5), Done(3, double.NaN), Done(4), Done(5, 0.9)];

        var decision = CheckpointRetention.Decide(candidates, new RetentionPolicy(keepLast: 1, keepBest: 1, "cer", MetricMode.Min));

        Assert.Equal([2L, 5], decision.Keep);
    }

    [Fact]
    public void Incomplete_checkpoints_are_deleted_behind_the_newest_complete_one_and_left_in_front_of_it()
    {
        RetentionCandidate[] candidates = [new(1, false, null), Done(2, 0.4), new(3, false, null)];

        var decision = CheckpointRetention.Decide(candidates, new RetentionPolicy(keepLast: 1, keepBest: 0, "cer", MetricMode.Min));

        Assert.Equal([2L, 3], decision.Keep);
        Assert.Equal([1L], decision.Delete);
    }

    [Fact]
    public void An_incomplete_checkpoint_counts_toward_neither_last_nor_best()
    {
        RetentionCandidate[] candidates = [Done(1, 0.5), Done(2, 0.6), new(3, false, 0.1)];

        var decision = CheckpointRetention.Decide(candidates, new RetentionPolicy(keepLast: 1, keepBest: 1, "cer", MetricMode.Min));

        Assert.Equal([1L, 2, 3], decision.Keep);
        Assert.Empty(decision.Delete);
    }

    [Fact]
    public void The_policy_refuses_to_keep_nothing_to_resume_from()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RetentionPolicy(keepLast: 0, keepBest: 3, "cer", MetricMode.Min));
    }
}
