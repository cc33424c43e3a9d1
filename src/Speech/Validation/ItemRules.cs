using System.Globalization;
using Cluster.Speech.Text;

namespace Cluster.Speech.Validation;

/// <summary>The decisions of validation: which measurements make which issue, with the detail that explains it.</summary>
internal static class ItemRules
{
    /// <summary>
    /// NaN/Inf, silence, clipping and (when <paramref name="maxDurationSeconds"/> is given) length. Audio with NaN/Inf
    /// gets only that issue: its peak and clipping describe the finite samples around the damage, not the recording.
    /// </summary>
    public static IEnumerable<(IssueKind Kind, string Detail)> Audio(SignalStatistics statistics, ValidationOptions options, double? maxDurationSeconds)
    {
        int rate = options.SampleRate;
        if (statistics.NonFinite > 0)
        {
            yield return (IssueKind.NonFinite,
                $"{statistics.NonFinite} NaN/Inf samples of {statistics.Samples}, the first at {Seconds((double)statistics.FirstNonFinite / rate)} s");
            yield break;
        }

        if (statistics.Samples == 0)
            yield return (IssueKind.Silent, "no samples");
        else if (statistics.Peak < options.SilencePeak)
            yield return (IssueKind.Silent, $"peak |x| = {Number(statistics.Peak)}, below the silence threshold {Number(options.SilencePeak)}");

        if (statistics.ClippedFraction > options.MaxClippedFraction)
            yield return (IssueKind.Clipped,
                $"{Percent(statistics.ClippedFraction)} of samples at |x| ≥ {Number(options.ClipLevel)}, more than {Percent(options.MaxClippedFraction)}");

        // Compared in samples, so a clip of exactly the limit (Whisper's 480000 samples) passes.
        if (maxDurationSeconds is double limit && statistics.Samples > (long)Math.Round(limit * rate))
            yield return (IssueKind.TooLong, $"{Seconds((double)statistics.Samples / rate)} s, longer than {Seconds(limit)} s");
    }

    /// <summary>Empty after trimming, or (with a tokenizer) a label sequence over the limit.</summary>
    public static IEnumerable<(IssueKind Kind, string Detail)> Transcript(string text, WhisperTokenizer? tokenizer, ValidationOptions options)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            yield return (IssueKind.EmptyTranscript, text.Length == 0 ? "empty transcript" : "transcript of white space only");
            yield break;
        }

        if (tokenizer is null) yield break;
        int tokens = tokenizer.LabelSequenceLength(text);
        if (tokens > options.MaxLabelTokens)
            yield return (IssueKind.TranscriptTooLong, $"label sequence of {tokens} tokens, more than {options.MaxLabelTokens}");
    }

    /// <summary>Lengths, then the SI-SNR over their common length.</summary>
    /// <param name="siSnrDb">Null when it is undefined: a side is silent or holds NaN/Inf, which is its own issue.</param>
    public static IEnumerable<(IssueKind Kind, string Detail)> Pair(long noisySamples, long cleanSamples, double? siSnrDb, ValidationOptions options)
    {
        long difference = Math.Abs(noisySamples - cleanSamples);
        if (difference > options.LengthToleranceSamples)
            yield return (IssueKind.LengthMismatch,
                $"noisy has {noisySamples} samples at {options.SampleRate} Hz, clean {cleanSamples}: {difference} apart, more than the {options.LengthToleranceSamples} allowed");

        if (siSnrDb is double db && db < options.MinSiSnrDb)
            yield return (IssueKind.ImplausibleSiSnr,
                $"SI-SNR(noisy, clean) = {db.ToString("0.0", CultureInfo.InvariantCulture)} dB, below {Number(options.MinSiSnrDb)} dB: misaligned, mis-scaled or unrelated recordings");
    }

    private static string Seconds(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Number(double value) => value.ToString("G4", CultureInfo.InvariantCulture);

    private static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
