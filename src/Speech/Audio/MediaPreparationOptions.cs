namespace Cluster.Speech.Audio;

/// <summary>How <see cref="MediaPreparation"/> cuts media into training windows.</summary>
public sealed record MediaPreparationOptions
{
    /// <summary>Window length in seconds; Whisper trains on at most 30 s.</summary>
    public double WindowSeconds { get; init; } = 10;

    /// <summary>How much consecutive windows share, so no word is lost at a cut; must be less than the window.</summary>
    public double OverlapSeconds { get; init; } = 2;

    public int SampleRate { get; init; } = 16000;

    public WavSampleFormat SampleFormat { get; init; } = WavSampleFormat.Pcm16;

    /// <summary>The manifest's file name inside the output folder.</summary>
    public string ManifestFileName { get; init; } = "manifest.jsonl";
}
