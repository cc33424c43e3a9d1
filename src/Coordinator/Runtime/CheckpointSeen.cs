namespace Cluster.Coordinator.Runtime;

/// <summary>A checkpoint the job reported written, and when the coordinator saw it (it may since have been pruned).</summary>
public sealed record CheckpointSeen(long Step, string? Directory, double UnixSeconds);
