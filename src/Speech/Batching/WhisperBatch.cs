using Cluster.Speech.Features;
using Cluster.Speech.Text;

namespace Cluster.Speech.Batching;

/// <summary>
/// A Whisper training batch on the host, ready to travel as raw bytes and become tensors on a trainer: log-Mel
/// features <c>[Count, MelBins, Frames]</c> row-major and the padded decoder inputs and labels of <see cref="Labels"/>.
/// </summary>
public sealed class WhisperBatch
{
    internal WhisperBatch(string batchId, IReadOnlyList<string> utteranceIds, int melBins, int frames, float[] features,
        TrainingBatch labels, IReadOnlyList<SkippedItem> skipped)
    {
        BatchId = batchId;
        UtteranceIds = utteranceIds;
        MelBins = melBins;
        Frames = frames;
        Features = features;
        Labels = labels;
        Skipped = skipped;
    }

    public string BatchId { get; }

    /// <summary>The utterances in the batch, in row order; skipped ones are not among them.</summary>
    public IReadOnlyList<string> UtteranceIds { get; }

    public int Count => UtteranceIds.Count;

    public int MelBins { get; }

    public int Frames { get; }

    public float[] Features { get; }

    public TrainingBatch Labels { get; }

    public IReadOnlyList<SkippedItem> Skipped { get; }

    /// <summary>Seconds of audio in the batch before padding to the model's window.</summary>
    public double AudioSeconds { get; init; }

    /// <summary>Seconds the features cover: every row is padded to the model's window.</summary>
    public double PaddedSeconds => (double)Count * Frames * LogMelSpectrogram.HopLength / LogMelSpectrogram.SampleRate;

    /// <summary>Label positions that train (not the -100 padding).</summary>
    public long LabelTokens => Labels.Labels.LongCount(label => label != -100);
}
