using System.Collections.Immutable;

namespace Cluster.Coordinator.Jobs;

/// <summary>
/// A pause or stop that keeps the work done: the ranks are held at a step boundary (each reports the step it runs or
/// last finished), the step they agree on is the furthest any of them reached, and the job acts once that step is
/// committed and checkpointed.
/// </summary>
/// <param name="Generation">The group being held; a hold never outlives it.</param>
/// <param name="CheckpointBefore">The newest checkpoint's step when the hold began (null: none), to tell a checkpoint
/// written for the hold from one that already held the step.</param>
public sealed record Hold(HoldIntent Intent, string Reason, long Generation, long? CheckpointBefore)
{
    /// <summary>Each rank's answer to HoldSteps: the step it is running or last finished; -1 before its group formed.</summary>
    public ImmutableDictionary<int, long> Frontiers { get; init; } = ImmutableDictionary<int, long>.Empty;

    /// <summary>The step the ranks stop after, once every rank has answered.</summary>
    public long? Target { get; init; }
}
