namespace Cluster.Shared.Planning;

/// <summary>A shard changing owner: <see cref="From"/> stops producing it (null: it had no owner), <see cref="To"/>
/// starts (null: nobody is left to produce it).</summary>
public sealed record ShardMove(int Shard, string? From, string? To);
