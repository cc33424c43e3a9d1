using Cluster.Shared.Actors;
using Cluster.Shared.Actors.Internal;

namespace Cluster.Shared.Remoting;

/// <summary>An actor on another system: messages and DeathWatch go through the transport.</summary>
internal sealed class RemoteActorRef(RemoteTransport transport, ActorPath path) : ActorRefBase
{
    public override ActorPath Path { get; } = path;

    public override ActorSystem? System => transport.System;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        transport.SendMessage(this, message, sender ?? ActorRefs.Nobody);
    }

    public override void SendSystemMessage(SystemMessage message)
    {
        switch (message)
        {
            case Watch watch:
                transport.Watch(this, watch.Watcher);
                break;
            case Unwatch unwatch:
                transport.Unwatch(this, unwatch.Watcher);
                break;
            case DeathWatchNotification notification:
                transport.NotifyTerminated(notification.Actor, this, notification.ExistenceConfirmed);
                break;
        }
    }
}
