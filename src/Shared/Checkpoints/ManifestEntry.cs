namespace Cluster.Shared.Checkpoints;

/// <summary>One file of a checkpoint: its name, size in bytes and SHA-256 as lower-case hex.</summary>
public sealed record ManifestEntry(string Name, long Size, string Sha256);
