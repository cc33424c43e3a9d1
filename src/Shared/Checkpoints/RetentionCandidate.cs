namespace Cluster.Shared.Checkpoints;

/// <summary>A checkpoint as retention sees it: its step, whether it is complete, and its value of the policy's metric
/// (null when it was not evaluated).</summary>
public sealed record RetentionCandidate(long Step, bool IsComplete, double? Metric);
