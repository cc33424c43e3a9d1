namespace Cluster.Coordinator.Jobs;

/// <summary>A message the job actor must send to the node named <see cref="Node"/>.</summary>
public sealed record Dispatch(string Node, object Message);
