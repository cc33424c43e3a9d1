namespace Cluster.Speech.Audio;

/// <summary>Decoded audio: float samples (nominally in [-1, 1]), frames interleaved when there is more than one channel.</summary>
public sealed class AudioData
{
    public AudioData(float[] samples, int sampleRate, int channels)
    {
        ArgumentNullException.ThrowIfNull(samples);
        if (sampleRate <= 0) throw new ArgumentOutOfRangeException(nameof(sampleRate), sampleRate, "sample rate must be positive");
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channel count must be positive");
        if (samples.Length % channels != 0)
            throw new ArgumentException($"{samples.Length} samples is not a whole number of {channels}-channel frames", nameof(samples));
        Samples = samples;
        SampleRate = sampleRate;
        Channels = channels;
    }

    public float[] Samples { get; }

    public int SampleRate { get; }

    public int Channels { get; }

    public int Frames => Samples.Length / Channels;

    public double Duration => (double)Frames / SampleRate;
}
