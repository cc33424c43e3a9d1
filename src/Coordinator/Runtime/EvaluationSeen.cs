namespace Cluster.Coordinator.Runtime;

/// <summary>An evaluation's metrics (e.g. <c>cer</c>, <c>loss</c>) at its step, and when the coordinator saw them.</summary>
public sealed record EvaluationSeen(long Step, IReadOnlyDictionary<string, double> Metrics, double UnixSeconds);
