using Cluster.Speech.Text;

namespace Cluster.Speech.Evaluation;

/// <summary>How <see cref="AsrEvaluation"/> batches, normalizes and samples.</summary>
public sealed record AsrEvaluationOptions
{
    public static AsrEvaluationOptions Default { get; } = new();

    /// <summary>Utterances per <see cref="ITranscriber.Transcribe"/> call.</summary>
    public int BatchSize
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "must be positive");
    } = 16;

    /// <summary>Applied to reference and hypothesis before scoring; Whisper's basic normalizer by default (what its
    /// non-English WER/CER use); null scores the raw text.</summary>
    public Func<string, string>? Normalize { get; init; } = new BasicTextNormalizer().Normalize;

    /// <summary>Count word separators as characters in CER (jiwer's convention) instead of ignoring them
    /// (Whisper's); see <see cref="ErrorRateAccumulator"/>.</summary>
    public bool CerCountsSpaces { get; init; }

    /// <summary>How many transcripts the summary shows from the start of the manifest, and how many of the worst
    /// by CER.</summary>
    public int SampleCount
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(SampleCount), value, "must not be negative");
    } = 10;
}
