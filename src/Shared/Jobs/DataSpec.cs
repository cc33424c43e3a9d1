using Cluster.Speech.Data;

namespace Cluster.Shared.Jobs;

/// <summary>
/// The training and evaluation data. For Whisper the manifests are speech-recognition manifests in
/// <see cref="Format"/>; for TF-GridNetV2 they are noisy/clean pair manifests, or clean speech manifests mixed with
/// noise on the fly when <see cref="EnhancementSpec.Noise"/> is set.
/// </summary>
public sealed record DataSpec
{
    public required IReadOnlyList<string> Train { get; init; }

    public IReadOnlyList<string> Eval { get; init; } = [];

    /// <summary>The layout of speech-recognition manifests; null detects it from each path.</summary>
    public ManifestFormat? Format { get; init; }

    /// <summary>Whisper language code ("zh"), which picks the language token of the decoder prompt.</summary>
    public string? Language { get; init; }

    public int SampleRate { get; init; } = 16000;

    /// <summary>Clips longer than this are rejected by validation (Whisper sees at most 30 s).</summary>
    public double MaxDurationSeconds { get; init; } = 30;

    public EnhancementSpec? Enhancement { get; init; }
}
