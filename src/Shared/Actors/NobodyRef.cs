using Cluster.Shared.Actors.Internal;

namespace Cluster.Shared.Actors;

internal sealed class NobodyRef : ActorRefBase
{
    public override ActorPath Path { get; } = new(new Address(Address.LocalProtocol, "nobody"), "/nobody");

    public override ActorSystem? System => null;

    public override void Tell(object message, IActorRef? sender = null)
    {
    }

    public override void SendSystemMessage(SystemMessage message)
    {
    }
}
