namespace Cluster.Shared.Actors;

public static class ActorRefs
{
    /// <summary>The sender of messages sent from outside any actor; replies to it are dropped.</summary>
    public static IActorRef Nobody { get; } = new NobodyRef();
}
