namespace Cluster.Shared.Checkpoints;

/// <summary>The checkpoint to resume from (null: none is usable) and the newer ones passed over, with the reason each
/// was refused, so the fallback is reported rather than silent.</summary>
public sealed record CheckpointSelection(CheckpointVerdict? Chosen, IReadOnlyList<CheckpointVerdict> Rejected);
