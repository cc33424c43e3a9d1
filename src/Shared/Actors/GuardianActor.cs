namespace Cluster.Shared.Actors;

/// <summary>Parent of all top-level actors (<c>/user</c>); it only supervises.</summary>
internal sealed class GuardianActor : ActorBase
{
    protected override void Receive(object message) => Unhandled(message);
}
