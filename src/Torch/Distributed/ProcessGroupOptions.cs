namespace Cluster.Torch.Distributed;

/// <summary>How a rank joins a <see cref="ProcessGroup"/>.</summary>
public sealed record ProcessGroupOptions
{
    public required DistributedBackend Backend { get; init; }

    public required int Rank { get; init; }

    public required int WorldSize { get; init; }

    /// <summary>Bounds joining (every rank must arrive) and every collective: past it they fail on every rank that waits.</summary>
    public required TimeSpan Timeout { get; init; }

    /// <summary>Keys of the group in the store; a new name forms a new group on the same store (e.g. after a rank was replaced).</summary>
    public string GroupName { get; init; } = "default";

    /// <summary>
    /// Gloo only: the address this rank binds to and announces to its peers. Null: the
    /// <c>GLOO_SOCKET_IFNAME</c> interface when set, else this machine's hostname, else loopback.
    /// </summary>
    public string? DeviceHost { get; init; }

    /// <summary>
    /// Before every collective the ranks exchange what they are about to do (operation, dtype,
    /// shapes, root) and fail together, with every rank's call in the message, when they differ.
    /// Costs one small all-gather per collective (and, with NCCL, a wait for it). Without it a size
    /// mismatch makes Gloo terminate the process and NCCL hang or corrupt memory, and a rank that
    /// rejects its own arguments leaves the others waiting until the timeout.
    /// </summary>
    public bool VerifyShapes { get; init; } = true;
}
