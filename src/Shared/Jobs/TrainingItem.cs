namespace Cluster.Shared.Jobs;

/// <summary>One item of a training manifest as the epoch planner sees it: the id plans and the ledger name, and its
/// length in seconds where the manifest says (null: unknown).</summary>
public readonly record struct TrainingItem(string Id, double? Duration);
