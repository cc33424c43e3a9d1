namespace Cluster.Speech.Batching;

/// <summary>A TF-GridNetV2 training batch on the host: noisy input and clean target, each <c>[Count, Samples]</c> row-major.</summary>
public sealed class EnhancementBatch
{
    internal EnhancementBatch(string batchId, IReadOnlyList<string> ids, int samples, float[] noisy, float[] clean, IReadOnlyList<SkippedItem> skipped)
    {
        BatchId = batchId;
        Ids = ids;
        Samples = samples;
        Noisy = noisy;
        Clean = clean;
        Skipped = skipped;
    }

    public string BatchId { get; }

    /// <summary>The examples in the batch, in row order; skipped ones are not among them.</summary>
    public IReadOnlyList<string> Ids { get; }

    public int Count => Ids.Count;

    public int Samples { get; }

    public float[] Noisy { get; }

    public float[] Clean { get; }

    public IReadOnlyList<SkippedItem> Skipped { get; }

    /// <summary>Seconds of audio in the batch: the windows, less the zeros that pad recordings shorter than a window.</summary>
    public double AudioSeconds { get; init; }

    /// <summary>Seconds the windows cover, padding included.</summary>
    public double PaddedSeconds { get; init; }

    /// <summary>Each example's input SI-SNR in dB (noisy against clean over the audio of its window), in row order.</summary>
    public IReadOnlyList<double> InputSiSnrDb { get; init; } = [];
}
