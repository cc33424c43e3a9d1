namespace Cluster.Coordinator.Jobs;

/// <summary>The state after an event and the messages that make the nodes follow it, in sending order.</summary>
public sealed record JobTransition(JobState State, IReadOnlyList<Dispatch> Messages);
