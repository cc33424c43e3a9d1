namespace Cluster.Speech.Audio;

/// <summary>A source of interleaved float frames, read front to back.</summary>
internal interface IAudioDecoder : IDisposable
{
    string Path { get; }

    int SampleRate { get; }

    int Channels { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> with whole frames and returns how many; 0 only at the end.
    /// A file that ends early or fails to decode throws <see cref="AudioFormatException"/> here.
    /// </summary>
    int ReadFrames(Span<float> destination);
}
