using Cluster.Speech.Text;

namespace Cluster.Speech.Validation;

/// <summary>
/// The limits <see cref="DataValidator"/> checks against. The defaults are those of Whisper and of 16 kHz speech
/// enhancement; audio is measured as the models see it, at <see cref="SampleRate"/> and mono.
/// </summary>
public sealed record ValidationOptions
{
    public static ValidationOptions Default { get; } = new();

    /// <summary>The rate audio is decoded at (and durations and lengths are counted in).</summary>
    public int SampleRate
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(SampleRate), value, "must be positive");
    } = 16000;

    /// <summary>Audio whose largest |sample| is below this is silent. 1e-4 is −80 dBFS, under the noise floor of any
    /// real recording, so only digital silence (or a gain bug) falls below it.</summary>
    public double SilencePeak
    {
        get;
        init => field = double.IsFinite(value) && value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(SilencePeak), value, "must be finite and not negative");
    } = 1e-4;

    /// <summary>A sample with |x| at or above this counts as clipped. Just under 1, because 16-bit PCM stores +1 as 32767/32768.</summary>
    public double ClipLevel
    {
        get;
        init => field = double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(ClipLevel), value, "must be finite and positive");
    } = 0.999;

    /// <summary>Audio with more than this fraction of clipped samples is reported as clipped.</summary>
    public double MaxClippedFraction
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxClippedFraction), value, "must be in [0, 1]");
    } = 0.01;

    /// <summary>ASR clips (or segments) longer than this many seconds are too long: Whisper's input window is 30 s.</summary>
    public double MaxDurationSeconds
    {
        get;
        init => field = double.IsFinite(value) && value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDurationSeconds), value, "must be finite and positive");
    } = 30;

    /// <summary>The most tokens a transcript's label sequence may have (<see cref="WhisperTokenizer.LabelSequenceLength"/>).</summary>
    public int MaxLabelTokens
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxLabelTokens), value, "must be positive");
    } = WhisperTokenizer.DefaultMaxLength;

    /// <summary>How many samples (at <see cref="SampleRate"/>) the two recordings of a pair may differ by. The
    /// default 0 holds, because a pair is one recording with noise added and cropping needs them sample-aligned.</summary>
    public int LengthToleranceSamples
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(LengthToleranceSamples), value, "must not be negative");
    } = 0;

    /// <summary>
    /// A pair whose SI-SNR(noisy, clean) is below this many dB is implausible. Real corpora mix at −5 to 20 dB SNR; at
    /// −20 dB the clean speech is a hundredth of the noisy recording's power, which is what misalignment, a scaling
    /// bug or an unrelated recording give.
    /// </summary>
    public double MinSiSnrDb
    {
        get;
        init => field = double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(nameof(MinSiSnrDb), value, "must be finite");
    } = -20;

    /// <summary>Whether transcripts are checked. Enhancement jobs train on the audio alone, and clean-speech corpora
    /// (DNS Challenge, VCTK crops) often have no text, so an empty one is no fault there.</summary>
    public bool CheckTranscripts { get; init; } = true;

    /// <summary>How many items are read at once.</summary>
    public int MaxDegreeOfParallelism
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "must be positive");
    } = Environment.ProcessorCount;
}
