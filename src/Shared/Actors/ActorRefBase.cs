using Cluster.Shared.Actors.Internal;

namespace Cluster.Shared.Actors;

/// <summary>Equality by path, so references from different sources to one actor compare equal.</summary>
internal abstract class ActorRefBase : IActorRef
{
    public abstract ActorPath Path { get; }

    /// <summary>The system that sends for this reference (null for <see cref="ActorRefs.Nobody"/>).</summary>
    public abstract ActorSystem? System { get; }

    public abstract void Tell(object message, IActorRef? sender = null);

    public abstract void SendSystemMessage(SystemMessage message);

    public override bool Equals(object? obj) => obj is IActorRef other && other.Path == Path;

    public override int GetHashCode() => Path.GetHashCode();

    public override string ToString() => Path.ToString();
}
