using Cluster.Shared.Actors;
using Cluster.Shared.Protos;

namespace Cluster.Shared.Remoting;

/// <summary>
/// Everything this system knows about one peer address: its current connection (at most one), the
/// frames waiting for one, its failure detector, and the watches across the pair. Guarded by <see cref="Lock"/>.
/// </summary>
internal sealed class Association(Address remote, PhiAccrualFailureDetector detector, long createdAt)
{
    public object Lock { get; } = new();

    public Address Remote { get; } = remote;

    /// <summary>Fed from the first connection on; before that, <see cref="CreatedAt"/> bounds how long we try.</summary>
    public PhiAccrualFailureDetector Detector { get; } = detector;

    public long CreatedAt { get; } = createdAt;

    public Connection? Active { get; set; }

    public bool OutboundPending { get; set; }

    public long LastConnectAttempt { get; set; }

    public ulong? RemoteUid { get; set; }

    public Queue<Frame> Pending { get; } = new();

    /// <summary>Frames dropped because <see cref="Pending"/> was full, since the last connection.</summary>
    public long DroppedFrames { get; set; }

    /// <summary>Local watchers of actors on the peer: told AddressTerminated when the peer is lost.</summary>
    public HashSet<(IActorRef Watcher, IActorRef Watchee)> WatchingRemote { get; } = [];

    /// <summary>Watchers on the peer of local actors: forgotten when the peer is lost.</summary>
    public HashSet<(IActorRef Watchee, IActorRef Watcher)> WatchedByRemote { get; } = [];

    public bool NeedsConnection => Pending.Count > 0 || WatchingRemote.Count > 0 || WatchedByRemote.Count > 0;
}
