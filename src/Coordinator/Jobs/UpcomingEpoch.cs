using Cluster.Shared.Planning;

namespace Cluster.Coordinator.Jobs;

/// <summary>
/// The epoch after the current one, assigned to the data nodes and scheduled to the trainers of
/// <paramref name="Generation"/> while the current one trains, so that the trainers' credits reach across the epoch
/// boundary instead of the pipeline draining and refilling at every epoch start. Its shards have the current epoch's
/// owners (one allocator for both); it starts at the step after the current epoch's last.
/// </summary>
public sealed record UpcomingEpoch(PlannedEpoch Plan, ShardPlan Shards, long Generation)
{
    public int Epoch => Plan.Epoch;
}
