using System.Collections.Immutable;

namespace Cluster.Coordinator.Jobs;

/// <summary>
/// How often the job regrouped, lost a node and moved shards since the coordinator started, by reason: bounded label
/// values (<see cref="RegroupReasons"/>, <see cref="NodeFailureReasons"/>, <see cref="ShardMoveReasons"/>) for the
/// metrics, never a node name or a message.
/// </summary>
public sealed record JobEventCounts
{
    public static readonly JobEventCounts Empty = new();

    public ImmutableDictionary<string, long> Regroups { get; init; } = ImmutableDictionary<string, long>.Empty;

    /// <summary>By (role, reason).</summary>
    public ImmutableDictionary<(string Role, string Reason), long> NodeFailures { get; init; } = ImmutableDictionary<(string, string), long>.Empty;

    /// <summary>Shards that changed owner, by why.</summary>
    public ImmutableDictionary<string, long> ShardMoves { get; init; } = ImmutableDictionary<string, long>.Empty;

    public JobEventCounts Regrouped(string reason) => this with { Regroups = Add(Regroups, reason, 1) };

    public JobEventCounts NodeFailed(string role, string reason) => this with { NodeFailures = Add(NodeFailures, (role, reason), 1) };

    public JobEventCounts ShardsMoved(string reason, int shards) => shards == 0 ? this : this with { ShardMoves = Add(ShardMoves, reason, shards) };

    private static ImmutableDictionary<TKey, long> Add<TKey>(ImmutableDictionary<TKey, long> counts, TKey key, long by) where TKey : notnull =>
        counts.SetItem(key, counts.GetValueOrDefault(key) + by);
}

/// <summary>Why a training group was torn down and formed again.</summary>
public static class RegroupReasons
{
    public const string TrainerJoined = "trainer_joined";
    public const string TrainerLost = "trainer_lost";
    public const string TrainerFailed = "trainer_failed";
    public const string Paused = "paused";
    public const string HoldAbandoned = "hold_abandoned";
}

/// <summary>How a node was lost.</summary>
public static class NodeFailureReasons
{
    /// <summary>Its connection closed (the process died or closed it).</summary>
    public const string Disconnected = "disconnected";

    /// <summary>The failure detector declared it unreachable (stopped, or its link was cut).</summary>
    public const string Unreachable = "unreachable";

    /// <summary>A local child process exited.</summary>
    public const string Exited = "exited";

    /// <summary>A new process registered under its name.</summary>
    public const string Replaced = "replaced";

    /// <summary>A trainer reported that it cannot go on.</summary>
    public const string TrainingFailed = "training_failed";
}

/// <summary>Why shards changed owner.</summary>
public static class ShardMoveReasons
{
    public const string NodeJoined = "node_joined";
    public const string NodeLost = "node_lost";
    public const string NodeRetired = "node_retired";
}
