namespace Cluster.Shared.Checkpoints;

/// <summary>One evaluation result: metric <see cref="Name"/> ("cer", "si_snri", "loss") was <see cref="Value"/> at
/// <see cref="Step"/>.</summary>
public sealed record MetricRecord(long Step, string Name, double Value);
