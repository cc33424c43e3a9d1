namespace Cluster.Shared.Actors;

/// <summary>The actor's constructor or PreStart threw; the default strategy stops such an actor.</summary>
public sealed class ActorInitializationException(string message, Exception inner) : Exception(message, inner);
