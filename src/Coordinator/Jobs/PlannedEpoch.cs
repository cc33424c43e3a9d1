namespace Cluster.Coordinator.Jobs;

/// <summary>The batches of one epoch in training order, as the coordinator hands them to data nodes.</summary>
public sealed record PlannedEpoch(int Epoch, IReadOnlyList<EpochBatch> Batches);
