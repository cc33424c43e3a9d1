namespace Cluster.Coordinator.Jobs;

/// <summary>
/// How many DataNodes would keep the trainers fed: the autoscaling signal (<c>cluster_data_workers_desired</c>), from
/// rates measured over a recent window rather than from the wait itself, so that it can also say when fewer would do.
/// <list type="bullet">
/// <item>Demand: batches the trainers consume per second of computing (their step time minus the time they waited for
/// data), what they would take if no batch were ever late.</item>
/// <item>Supply: batches one DataNode builds per second, from its workers' build times.</item>
/// </list>
/// A DataNode pool that is busy a share ρ of the time delays batches more and more as ρ nears 1, so the answer is the
/// smallest count that keeps ρ at or below 1 − <see cref="TargetWaitShare"/>, within the bounds.
/// </summary>
public sealed record DataWorkersDesired
{
    /// <summary>The trainers' data wait the count aims to stay under, as a share of their step time (2 %).</summary>
    public double TargetWaitShare { get; init; } = 0.02;

    public int Minimum { get; init; } = 1;

    public int Maximum { get; init; } = 64;

    /// <param name="window">What was measured over the recent window.</param>
    /// <param name="current">DataNodes running now: the answer when nothing was measured yet.</param>
    public int Decide(DataRates window, int current)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(current, 0);
        if (!(TargetWaitShare is > 0 and < 1)) throw new InvalidOperationException($"the target wait share {TargetWaitShare} must lie strictly between 0 and 1");
        if (Minimum < 0 || Maximum < Minimum) throw new InvalidOperationException($"bounds [{Minimum}, {Maximum}] are not a range");
        if (window.ComputeSeconds <= 0 || window.BatchesBuilt == 0 || window.BuildSeconds <= 0 || window.WorkersPerNode <= 0)
            return Math.Clamp(current, Minimum, Maximum);
        double demand = window.BatchesTrained / window.ComputeSeconds;
        double supplyPerNode = window.BatchesBuilt / window.BuildSeconds * window.WorkersPerNode;
        double needed = demand / (supplyPerNode * (1 - TargetWaitShare));
        // A measured rate is never exact: a count within a hair of a whole number is that number.
        int count = (int)Math.Ceiling(needed - 1e-9);
        return Math.Clamp(count, Minimum, Maximum);
    }
}

/// <summary>Rates over a window of a run.</summary>
/// <param name="BatchesTrained">Batches the trainers committed.</param>
/// <param name="ComputeSeconds">The trainers' step time minus their data wait, summed over ranks.</param>
/// <param name="BatchesBuilt">Batches the DataNodes built.</param>
/// <param name="BuildSeconds">The time those builds took, summed over workers.</param>
/// <param name="WorkersPerNode">Builds a DataNode runs at once (<c>cluster.data_node_workers</c>).</param>
public sealed record DataRates(long BatchesTrained, double ComputeSeconds, long BatchesBuilt, double BuildSeconds, int WorkersPerNode);
