namespace Cluster.Coordinator.Runtime;

/// <summary>What <c>GET /status/history</c> returns: the samples after the one asked for, and every checkpoint and
/// evaluation kept.</summary>
/// <param name="Capacity">How many samples the coordinator keeps; a page need not keep more.</param>
/// <param name="LastSeq">The newest sample's <see cref="StatusSample.Seq"/> (0 before the first), to ask after next.</param>
public sealed record StatusHistoryView(int Capacity, long LastSeq, IReadOnlyList<StatusSample> Samples,
    IReadOnlyList<CheckpointSeen> Checkpoints, IReadOnlyList<EvaluationSeen> Evaluations);
