using Cluster.Coordinator.Jobs;

namespace Cluster.Coordinator.Tests.Jobs;

public sealed class DataWorkersDesiredTests
{
    private static readonly DataWorkersDesired Policy = new();

    [Fact]
    public void Enough_nodes_to_build_what_the_trainers_consume_with_the_target_as_headroom()
    {
        // Trainers consume 10 batches/s of compute; a node with 2 workers builds 2 batches/s (1 s per build): 5 nodes
        // would be busy all the time, so the 2 % target needs a sixth.
        var rates = new DataRates(BatchesTrained: 100, ComputeSeconds: 10, BatchesBuilt: 50, BuildSeconds: 50, WorkersPerNode: 2);
        Assert.Equal(6, Policy.Decide(rates, current: 2));
        // Half the demand: 3 nodes (2.55 needed).
        Assert.Equal(3, Policy.Decide(rates with { BatchesTrained = 50 }, current: 8));
    }

    [Fact]
    public void A_count_that_fits_exactly_is_not_rounded_up_by_measurement_noise()
    {
        // 4.9 batches/s over 2.5 per node at 98 % use: exactly 2.
        var rates = new DataRates(BatchesTrained: 49, ComputeSeconds: 10, BatchesBuilt: 25, BuildSeconds: 10, WorkersPerNode: 1);
        Assert.Equal(2, Policy.Decide(rates, current: 1));
    }

    [Fact]
    public void Without_measurements_the_current_count_stands_within_the_bounds()
    {
        var nothing = new DataRates(0, 0, 0, 0, 1);
        Assert.Equal(3, Policy.Decide(nothing, current: 3));
        Assert.Equal(1, Policy.Decide(nothing, current: 0));
        Assert.Equal(4, (Policy with { Maximum = 4 }).Decide(new DataRates(1000, 1, 1, 1, 1), current: 1));
        Assert.Equal(2, (Policy with { Minimum = 2 }).Decide(new DataRates(1, 100, 100, 1, 4), current: 5));
    }

    [Fact]
    public void Nonsense_settings_are_refused_with_the_reason()
    {
        var rates = new DataRates(1, 1, 1, 1, 1);
        Assert.Contains("strictly between 0 and 1", Assert.Throws<InvalidOperationException>(() => (Policy with { TargetWaitShare = 1 }).Decide(rates, 1)).Message);
        Assert.Contains("not a range", Assert.Throws<InvalidOperationException>(() => (Policy with { Minimum = 5, Maximum = 2 }).Decide(rates, 1)).Message);
    }

    [Fact]
    public void The_window_keeps_the_latest_commits_and_builds_and_ignores_what_was_not_measured()
    {
        var window = new DataRateWindow(capacity: 2);
        window.Committed(batches: 4, stepSeconds: 1.0, dataWaitSeconds: 0.5); // pushed out by the two after it
        window.Committed(batches: 2, stepSeconds: 1.0, dataWaitSeconds: 0.25);
        window.Committed(batches: 2, stepSeconds: 0.5, dataWaitSeconds: 0.0);
        window.Committed(batches: 0, stepSeconds: 9, dataWaitSeconds: 0); // a rank without batches in the step
        window.Built(0.5);
        window.Built(0); // a node that does not report build times
        window.Built(1.5);

        Assert.Equal(new DataRates(BatchesTrained: 4, ComputeSeconds: 1.25, BatchesBuilt: 2, BuildSeconds: 2.0, WorkersPerNode: 3), window.Rates(3));
    }
}
