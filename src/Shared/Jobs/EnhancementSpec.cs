namespace Cluster.Shared.Jobs;

/// <summary>How enhancement examples are cut and, optionally, mixed with noise on the fly.</summary>
public sealed record EnhancementSpec
{
    public static EnhancementSpec Defaults { get; } = new();

    /// <summary>Length of the random crop each training example is cut to, in seconds.</summary>
    public double CropSeconds { get; init; } = 4;

    /// <summary>Noise manifests; when set, training manifests hold clean speech that is mixed with this noise.</summary>
    public IReadOnlyList<string> Noise { get; init; } = [];

    /// <summary>The mixing SNR is drawn uniformly from [<see cref="MinSnrDb"/>, <see cref="MaxSnrDb"/>].</summary>
    public double MinSnrDb { get; init; } = -5;

    public double MaxSnrDb { get; init; } = 20;
}
