namespace Cluster.Speech.Audio;

/// <summary>What <see cref="MediaPreparation.Prepare"/> wrote, and the sources it had to skip (with their reasons).</summary>
public sealed record MediaPreparationResult(string ManifestPath, IReadOnlyList<PreparedWindow> Windows, IReadOnlyList<AudioFormatException> Failures);
