namespace Cluster.Coordinator.Runtime;

/// <summary>One node on the status page. <see cref="Rank"/> is null for data nodes and trainers outside the group.</summary>
public sealed record NodeStatus(string Name, string Role, string State, int? Rank, int ProcessId, string Device, int Shards);
