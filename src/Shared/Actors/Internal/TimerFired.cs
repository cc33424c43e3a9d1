namespace Cluster.Shared.Actors.Internal;

/// <summary>A timer's message on its way through the mailbox; the generation drops stale firings.</summary>
internal sealed record TimerFired(object Key, int Generation, object Message);
