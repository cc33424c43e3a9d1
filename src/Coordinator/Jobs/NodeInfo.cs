using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Jobs;

/// <summary>A registered node process.</summary>
/// <param name="ActorPath">Its main actor, which trainers and the job actor send to.</param>
public sealed record NodeInfo(string Name, NodeRole Role, string ActorPath, int ProcessId, string Device);
