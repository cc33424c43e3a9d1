namespace Cluster.Coordinator.Jobs;

/// <summary>One batch of an epoch plan: its id and the manifest items (utterances or pairs) it holds, in row order.</summary>
public sealed record EpochBatch(string BatchId, IReadOnlyList<string> ItemIds);
