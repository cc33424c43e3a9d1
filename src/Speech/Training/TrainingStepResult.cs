namespace Cluster.Speech.Training;

/// <summary>What one optimizer step did.</summary>
/// <param name="Loss">Mean cross-entropy over the labelled positions of all micro-batches (unscaled).</param>
/// <param name="GradientNorm">L2 norm of the true (unscaled) gradients before clipping; inf or NaN when they overflowed.</param>
/// <param name="Skipped">Whether the optimizer step was skipped because a gradient was not finite (nor was the
/// learning-rate schedule advanced).</param>
/// <param name="LossScale">The loss scale used for this step; 1 without loss scaling.</param>
/// <param name="Phases">Where the step's time went.</param>
public readonly record struct TrainingStepResult(double Loss, double GradientNorm, bool Skipped, double LossScale, StepPhaseSeconds Phases = default);
