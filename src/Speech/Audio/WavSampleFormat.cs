namespace Cluster.Speech.Audio;

/// <summary>How samples are stored in a written WAV file.</summary>
public enum WavSampleFormat
{
    /// <summary>Unsigned 8-bit PCM (the only 8-bit PCM that WAV defines).</summary>
    Pcm8,
    Pcm16,
    Pcm24,
    Pcm32,
    Float32,
    Float64,
}
