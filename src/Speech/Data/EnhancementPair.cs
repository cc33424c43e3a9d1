using System.Diagnostics.CodeAnalysis;

namespace Cluster.Speech.Data;

/// <summary>
/// A noisy recording and the clean recording of the same speech, sample-aligned, for training an enhancement model.
/// Paths are absolute.
/// </summary>
public sealed record EnhancementPair
{
    [SetsRequiredMembers]
    public EnhancementPair(string id, string noisyPath, string cleanPath)
    {
        Id = id;
        NoisyPath = noisyPath;
        CleanPath = cleanPath;
    }

    public required string Id
    {
        get;
        init
        {
            ArgumentException.ThrowIfNullOrEmpty(value, nameof(Id));
            field = value;
        }
    }

    public required string NoisyPath
    {
        get;
        init => field = RequireAbsolute(value, nameof(NoisyPath));
    }

    public required string CleanPath
    {
        get;
        init => field = RequireAbsolute(value, nameof(CleanPath));
    }

    /// <summary>Seconds; null when the manifest does not say.</summary>
    public double? Duration
    {
        get;
        init => field = value is { } seconds && !(double.IsFinite(seconds) && seconds >= 0)
            ? throw new ArgumentOutOfRangeException(nameof(Duration), seconds, "must be a finite number of seconds, not negative")
            : value;
    }

    private static string RequireAbsolute(string value, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, name);
        return Path.IsPathFullyQualified(value) ? value : throw new ArgumentException($"path '{value}' is not absolute", name);
    }
}
