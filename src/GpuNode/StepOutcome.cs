namespace Cluster.GpuNode;

/// <summary>What one optimizer step did on this rank (the loss and norm are the ones of the union of all ranks' batches).</summary>
/// <param name="LearningRate">The rate the step used.</param>
/// <param name="Examples">This rank's examples in the step.</param>
public sealed record StepOutcome(long Step, double Loss, double LearningRate, double GradNorm, int Examples, bool OptimizerSkipped);
