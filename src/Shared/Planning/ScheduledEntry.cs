namespace Cluster.Shared.Planning;

/// <summary>One batch of an epoch schedule: trained by <paramref name="Rank"/> in <paramref name="Step"/>, produced
/// by the owner of <paramref name="Shard"/>, at <paramref name="Position"/> of the epoch's plan.</summary>
public sealed record ScheduledEntry(long Step, int Rank, string BatchId, int Shard, int Position);
