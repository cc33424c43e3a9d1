namespace Cluster.Shared.Jobs;

/// <summary>How long the job trains and how the learning rate moves; exactly one of <see cref="MaxSteps"/> and
/// <see cref="Epochs"/> is set.</summary>
public sealed record ScheduleSpec
{
    public ScheduleKind Kind { get; init; } = ScheduleKind.Linear;

    public int WarmupSteps { get; init; }

    /// <summary>Optimizer steps to train for.</summary>
    public int? MaxSteps { get; init; }

    /// <summary>Passes over the training data to train for.</summary>
    public int? Epochs { get; init; }

    /// <summary>Steps of the first cosine period (<see cref="ScheduleKind.CosineWarmRestarts"/>).</summary>
    public int T0 { get; init; } = 1000;

    /// <summary>Each cosine period is this many times longer than the one before.</summary>
    public int TMult { get; init; } = 1;

    /// <summary>The lowest learning rate of a cosine period.</summary>
    public double MinLearningRate { get; init; }
}
