using Cluster.Shared.Actors.Internal;

namespace Cluster.Shared.Actors;

/// <summary>Stands for an actor that does not exist (any more): messages are logged, watchers told at once.</summary>
internal sealed class DeadLetterActorRef(ActorSystem system, ActorPath path) : ActorRefBase
{
    public override ActorPath Path { get; } = path;

    public override ActorSystem? System => system;

    public override void Tell(object message, IActorRef? sender = null) =>
        system.DeadLetter(Path, message, sender ?? ActorRefs.Nobody);

    public override void SendSystemMessage(SystemMessage message)
    {
        if (message is Watch watch && watch.Watcher is ActorRefBase watcher)
        {
            watcher.SendSystemMessage(new DeathWatchNotification(this, ExistenceConfirmed: false, AddressTerminated: false));
        }
    }
}
