using Cluster.Shared.Actors.Internal;

namespace Cluster.Shared.Actors;

internal sealed class LocalActorRef(ActorCell cell) : ActorRefBase
{
    public ActorCell Cell { get; } = cell;

    public override ActorPath Path => Cell.Path;

    public override ActorSystem? System => Cell.System;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        Cell.Post(new Envelope(message, sender ?? ActorRefs.Nobody));
    }

    public override void SendSystemMessage(SystemMessage message) => Cell.SendSystemMessage(message);
}
