namespace Cluster.Shared.Jobs;

/// <summary>
/// A training job as the user wrote it in YAML (see <see cref="JobSpecLoader"/> and the examples in <c>jobs/</c>): what
/// to train, on which data, how, and on how big a cluster. Immutable; the coordinator plans from it and stores its
/// text in every checkpoint, so a resume runs the same job.
/// </summary>
public sealed record JobSpec
{
    /// <summary>Names the job in metrics, logs and checkpoint folders.</summary>
    public required string Name { get; init; }

    /// <summary>Seeds the data plan, crops, mixtures and initialisation, so a resume replays the same run.</summary>
    public ulong Seed { get; init; } = 42;

    public required ModelSpec Model { get; init; }

    public required DataSpec Data { get; init; }

    public OptimizerSpec Optimizer { get; init; } = new();

    public required ScheduleSpec Schedule { get; init; }

    public required BatchingSpec Batching { get; init; }

    public TrainingSpec Training { get; init; } = new();

    public EvaluationSpec Evaluation { get; init; } = new();

    public CheckpointingSpec Checkpointing { get; init; } = new();

    public ClusterSpec Cluster { get; init; } = new();

    public ObservabilitySpec Observability { get; init; } = new();

    /// <summary>What <see cref="DataSpec.Train"/> and <see cref="DataSpec.Eval"/> hold: the one place that decides it.</summary>
    public DataForm DataForm => Model.Kind == ModelKind.Whisper ? DataForm.Speech
        : Data.Enhancement is { Noise.Count: > 0 } ? DataForm.CleanSpeechWithNoise
        : DataForm.EnhancementPairs;

    /// <summary>The crop and mixing settings of a TF-GridNetV2 job, the defaults where <c>data.enhancement</c> is left out.</summary>
    public EnhancementSpec Enhancement => Data.Enhancement ?? EnhancementSpec.Defaults;
}
