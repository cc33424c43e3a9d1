namespace Cluster.Bench.TrainStep;

/// <summary>Wall-clock milliseconds of one training step and of its three phases.</summary>
internal sealed record StepTiming(double TotalMs, double ForwardMs, double BackwardMs, double OptimizerMs);
