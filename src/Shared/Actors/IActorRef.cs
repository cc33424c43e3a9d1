namespace Cluster.Shared.Actors;

/// <summary>
/// A handle to an actor, local or remote alike. <see cref="Tell"/> never blocks and never throws
/// for delivery problems: undeliverable messages are logged as dead letters.
/// </summary>
public interface IActorRef
{
    ActorPath Path { get; }

    void Tell(object message, IActorRef? sender = null);
}
