using Cluster.Speech.Features;
using Cluster.Speech.Text;

namespace Cluster.Speech.Batching;

/// <summary>How a data node turns transcribed clips into Whisper training batches.</summary>
public sealed record WhisperBatchOptions
{
    /// <summary>Language code of the transcripts for the decoder prompt; null only for an English-only vocabulary.</summary>
    public string? Language { get; init; }

    public WhisperTask Task { get; init; } = WhisperTask.Transcribe;

    /// <summary>
    /// Feature frames per example: 3000 (30 s, what pretrained Whisper's positional embedding expects) by default;
    /// fewer for a small model trained from scratch on short clips. Longer audio is refused, shorter is zero-padded.
    /// </summary>
    public int Frames
    {
        get;
        init => field = value is > 0 and <= LogMelSpectrogram.ChunkFrames
            ? value
            : throw new ArgumentOutOfRangeException(nameof(Frames), value, $"must be 1..{LogMelSpectrogram.ChunkFrames}");
    } = LogMelSpectrogram.ChunkFrames;

    public int MelBins
    {
        get;
        init => field = value is 80 or 128 ? value : throw new ArgumentOutOfRangeException(nameof(MelBins), value, "Whisper uses 80 or 128 mel bins");
    } = 80;

    /// <summary>Longest label sequence (prompt, text, end-of-text); 448 is Whisper's decoder context.</summary>
    public int MaxLabelTokens
    {
        get;
        init => field = value is > 0 and <= WhisperTokenizer.DefaultMaxLength
            ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxLabelTokens), value, $"must be 1..{WhisperTokenizer.DefaultMaxLength}");
    } = WhisperTokenizer.DefaultMaxLength;

    /// <summary>Audio longer than this many samples at 16 kHz does not fit <see cref="Frames"/>.</summary>
    public int MaxSamples => Frames * LogMelSpectrogram.HopLength;
}
