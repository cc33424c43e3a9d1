namespace Cluster.Shared.Actors.Internal;

/// <summary>
/// Lifecycle messages: they bypass the user mailbox and are handled even while an actor is
/// suspended after a failure, which is what makes supervision and DeathWatch work.
/// </summary>
internal abstract record SystemMessage;

internal sealed record Create : SystemMessage;

internal sealed record Terminate : SystemMessage;

internal sealed record Resume : SystemMessage;

internal sealed record Recreate(Exception Cause) : SystemMessage;

internal sealed record Failed(ActorCell Child, Exception Cause) : SystemMessage;

internal sealed record ChildTerminated(ActorCell Child) : SystemMessage;

internal sealed record Watch(IActorRef Watchee, IActorRef Watcher) : SystemMessage;

internal sealed record Unwatch(IActorRef Watchee, IActorRef Watcher) : SystemMessage;

internal sealed record DeathWatchNotification(IActorRef Actor, bool ExistenceConfirmed, bool AddressTerminated) : SystemMessage;
