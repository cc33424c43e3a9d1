namespace Cluster.Bench.Learning;

/// <summary>What one learning run reached, for the results file.</summary>
public sealed record LearningResult(string Name, string Metric, double Value, string Target, bool Met, int Steps, double Minutes, IReadOnlyList<string> Details);
