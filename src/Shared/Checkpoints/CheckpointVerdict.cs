namespace Cluster.Shared.Checkpoints;

/// <summary>Whether a checkpoint directory is complete and intact; <see cref="Problem"/> says why not.</summary>
public sealed record CheckpointVerdict(CheckpointInfo Checkpoint, CheckpointManifest? Manifest, string? Problem)
{
    public bool IsValid => Problem is null;
}
