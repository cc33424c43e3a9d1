namespace Cluster.Shared.Actors;

/// <summary>
/// Delivered to a watcher once the watched actor has stopped, or when its node became unreachable
/// (<see cref="AddressTerminated"/>), or when it never existed (<see cref="ExistenceConfirmed"/> false).
/// </summary>
public sealed record Terminated(IActorRef Actor, bool ExistenceConfirmed, bool AddressTerminated);
