namespace Cluster.Coordinator.Jobs;

/// <summary>The latest numbers the trainers reported, for the status page and the progress bar.</summary>
public sealed record TrainingProgress
{
    public static TrainingProgress None { get; } = new();

    public long Step { get; init; }

    public double Loss { get; init; } = double.NaN;

    public double LearningRate { get; init; } = double.NaN;

    /// <summary>Examples per second over the latest step (all ranks).</summary>
    public double ExamplesPerSecond { get; init; }

    public double DataWaitSeconds { get; init; }

    /// <summary>The largest share of the latest step a rank spent waiting for its batch (0..1): data wait over the
    /// rank's step time.</summary>
    public double DataStall { get; init; }

    public long SkippedExamples { get; init; }

    public long DuplicateCommits { get; init; }

    public long EvaluationStep { get; init; } = -1;

    public IReadOnlyDictionary<string, double> Evaluation { get; init; } = new Dictionary<string, double>();

    public IReadOnlyList<string> EvaluationSamples { get; init; } = [];
}
