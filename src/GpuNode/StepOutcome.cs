using Cluster.Speech.Training;

namespace Cluster.GpuNode;

/// <summary>What one optimizer step did on this rank (the loss and norm are the ones of the union of all ranks' batches).</summary>
/// <param name="LearningRate">The rate the step used.</param>
/// <param name="Examples">This rank's examples in the step.</param>
public sealed record StepOutcome(long Step, double Loss, double LearningRate, double GradNorm, int Examples, bool OptimizerSkipped)
{
    /// <summary>Where this rank's step time went (data wait aside).</summary>
    public StepPhaseSeconds Phases { get; init; }

    /// <summary>Seconds of audio in this rank's batches, before and after padding.</summary>
    public double AudioSeconds { get; init; }

    public double PaddedSeconds { get; init; }

    /// <summary>Labelled positions in this rank's batches (Whisper).</summary>
    public long LabelTokens { get; init; }

    /// <summary>The fp16 loss scale the step used; 1 without loss scaling.</summary>
    public double LossScale { get; init; } = 1;

    /// <summary>The step's floating-point operations on this rank (<see cref="TrainingFlops"/>).</summary>
    public double Flops { get; init; }
}
