using Cluster.Speech.Data;

namespace Cluster.Shared.Jobs;

/// <summary>
/// How an epoch is cut into batches (per rank) and how many micro-batches make one optimizer step. Exactly one of
/// <see cref="BatchSize"/> and <see cref="MaxFrames"/> is set.
/// </summary>
public sealed record BatchingSpec
{
    /// <summary>Utterances per batch on each rank.</summary>
    public int? BatchSize { get; init; }

    /// <summary>Padded frames per batch on each rank (batch size × longest clip), for dynamic batches.</summary>
    public long? MaxFrames { get; init; }

    /// <summary>Label tokens a batch may hold at most; batches are checked against it, not cut by it.</summary>
    public int? MaxTokens { get; init; }

    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Duration buckets cut at equal shares of audio; ignored when <see cref="BucketBoundaries"/> is set.</summary>
    public int Buckets { get; init; } = 1;

    /// <summary>Explicit bucket edges in seconds.</summary>
    public IReadOnlyList<double>? BucketBoundaries { get; init; }

    /// <summary>The options of <see cref="DurationBucketer"/> that plan this batching.</summary>
    public BucketingOptions ToBucketingOptions(double framesPerSecond) => new()
    {
        FramesPerSecond = framesPerSecond,
        BatchSize = BatchSize,
        MaxFramesPerBatch = MaxFrames,
        BucketCount = Buckets,
        Boundaries = BucketBoundaries,
    };
}
