namespace Cluster.Speech.Data;

/// <summary>
/// How <see cref="DurationBucketer"/> groups utterances: by how many buckets (or which boundaries), and how it cuts a
/// bucket into batches (a padded-frame budget, or a fixed batch size). Set exactly one of
/// <see cref="MaxFramesPerBatch"/> and <see cref="BatchSize"/>.
/// </summary>
public sealed class BucketingOptions
{
    /// <summary>Feature frames per second of audio: 100 for Whisper's 10 ms hop (160 samples at 16 kHz).</summary>
    public double FramesPerSecond { get; init; } = 100;

    /// <summary>
    /// The most padded frames a batch may hold: its size times the frames of its longest utterance, which is what the
    /// GPU allocates. Batches of short clips then hold many, batches of long clips few, at the same memory.
    /// </summary>
    public long? MaxFramesPerBatch { get; init; }

    /// <summary>A fixed number of utterances per batch (the last batch of a bucket may hold fewer).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Buckets split at duration quantiles weighted by duration, so each holds about the same total audio;
    /// 1 means no bucketing. Ignored when <see cref="Boundaries"/> is set.</summary>
    public int BucketCount { get; init; } = 1;

    /// <summary>Explicit bucket edges in seconds, strictly increasing: edges [5, 10] make buckets [0, 5), [5, 10) and
    /// [10, ∞).</summary>
    public IReadOnlyList<double>? Boundaries { get; init; }
}
