using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Shared.Checkpoints;

/// <summary>
/// The <c>manifest.json</c> of a checkpoint: the step, every file with its size and SHA-256, and the evaluation metrics
/// of the step (so retention can pick the best checkpoints without opening their state).
/// </summary>
public sealed record CheckpointManifest(long Step, IReadOnlyList<ManifestEntry> Files, IReadOnlyDictionary<string, double> Metrics)
{
    /// <summary>Bumped when the layout changes incompatibly; readers refuse other versions.</summary>
    public const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        // An evaluation that diverged reports NaN; the checkpoint is still written, and retention never ranks it best.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public int Format { get; init; } = CurrentFormat;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <exception cref="InvalidDataException">Not a manifest of this format; the message says why.</exception>
    public static CheckpointManifest Parse(ReadOnlySpan<byte> json, string source)
    {
        CheckpointManifest? manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(json, Options);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a checkpoint manifest: {e.Message}", e);
        }

        if (manifest is null) throw new InvalidDataException($"{source}: the manifest is null");
        if (manifest.Format != CurrentFormat)
            throw new InvalidDataException($"{source}: manifest format {manifest.Format}, this build reads {CurrentFormat}");
        foreach (ManifestEntry entry in manifest.Files)
        {
            if (entry is null || entry.Name.Length == 0 || Path.GetFileName(entry.Name) != entry.Name || entry.Size < 0
                || entry.Sha256.Length != 64 || !entry.Sha256.All(char.IsAsciiHexDigitLower))
                throw new InvalidDataException($"{source}: malformed file entry {entry}");
        }

        return manifest;
    }

    // The compiler-generated equality would compare the lists by reference.
    public bool Equals(CheckpointManifest? other) =>
        other is not null && Step == other.Step && Format == other.Format && Files.SequenceEqual(other.Files)
        && Metrics.Count == other.Metrics.Count
        && Metrics.All(pair => other.Metrics.TryGetValue(pair.Key, out double value) && value.Equals(pair.Value));

    public override int GetHashCode() => HashCode.Combine(Step, Format, Files.Count);
}
