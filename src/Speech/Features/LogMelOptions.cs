namespace Cluster.Speech.Features;

/// <summary>Settings of <see cref="LogMelSpectrogram"/>.</summary>
public sealed record LogMelOptions
{
    /// <summary>Mel bins: 80 (Whisper up to large-v2) or 128 (large-v3).</summary>
    public int NMels { get; init; } = 80;

    /// <summary>
    /// True (training): the waveform is zero-padded or trimmed to 30 s (480000 samples) before the
    /// features, which always have 3000 frames (the Hugging Face convention). False: the clip as it
    /// is, samples / 160 frames.
    /// </summary>
    public bool PadOrTrimTo30Seconds { get; init; } = true;

    /// <summary>
    /// Tensor-returning methods produce float16 (IEEE half) instead of float32: half the bytes on the
    /// wire to the trainers. The array methods say their element type in their name.
    /// </summary>
    public bool OutputHalf { get; init; }
}
