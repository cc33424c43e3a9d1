namespace Cluster.Shared.Checkpoints;

/// <summary>A <c>checkpoint-&lt;step&gt;</c> directory found in a store, not yet verified.</summary>
public sealed record CheckpointInfo(long Step, string Path);
