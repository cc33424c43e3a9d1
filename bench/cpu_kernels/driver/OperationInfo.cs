namespace Cluster.Bench.CpuKernels.Driver;

/// <summary>One benchmarked op as the report describes it; <paramref name="Flop"/> is null for the training steps,
/// whose work the report does not count.</summary>
internal sealed record OperationInfo(string Name, string Description, double? Flop, string FlopRule, bool IsTrainingStep = false);
