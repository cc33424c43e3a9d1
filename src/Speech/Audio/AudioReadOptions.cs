namespace Cluster.Speech.Audio;

/// <summary>How to read a file. The defaults give what Whisper expects: 16 kHz mono, the whole file.</summary>
public sealed record AudioReadOptions
{
    public static AudioReadOptions Default { get; } = new();

    /// <summary>Resample to this rate (libsoxr, high quality); null keeps the file's own rate.</summary>
    public int? TargetSampleRate { get; init; } = 16000;

    /// <summary>Downmix to one channel as the average of all channels; false keeps them interleaved.</summary>
    public bool Mono { get; init; } = true;

    /// <summary>Start of the segment to read, in seconds from the start of the file.</summary>
    public double Offset { get; init; }

    /// <summary>Length of the segment in seconds (shorter where the file ends first); null reads to the end.</summary>
    public double? Duration { get; init; }
}
