using Cluster.Speech.Training;
namespace Cluster.Shared.Jobs;

/// <summary>How each step is computed: precision, gradient clipping and activation checkpointing.</summary>
public sealed record TrainingSpec
{
    public Precision Precision { get; init; } = Precision.Float32;

    /// <summary>What to use where the GPU lacks <see cref="Precision"/> (bf16 before Ampere); null refuses to start.</summary>
    public Precision? PrecisionFallback { get; init; }

    /// <summary>Clip the global gradient norm to this; null does not clip.</summary>
    public double? MaxGradNorm { get; init; }

    /// <summary>Recompute activations in backward, trading compute for memory.</summary>
    public bool GradientCheckpointing { get; init; }
}
