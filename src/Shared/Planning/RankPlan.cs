using System.Collections.Immutable;

namespace Cluster.Shared.Planning;

/// <summary>
/// The process group of the GPU nodes: who has which rank, in which generation. Any change of members forms a new
/// generation (a new c10d group: collectives of the old one are torn down, never mixed with the new). Survivors keep
/// their order, so rank 0, which writes checkpoints and hosts the rendezvous store, stays rank 0 while it lives;
/// newcomers take the next ranks.
/// </summary>
public sealed class RankPlan
{
    private readonly ImmutableArray<string> members;

    private RankPlan(long generation, ImmutableArray<string> members)
    {
        Generation = generation;
        this.members = members;
    }

    /// <summary>No group yet: generation 0, nobody.</summary>
    public static RankPlan Empty { get; } = new(0, []);

    /// <summary>Increases with every membership change; messages carry it so stale ones are recognised.</summary>
    public long Generation { get; }

    /// <summary>GPU node ids; the index is the rank.</summary>
    public IReadOnlyList<string> Members => members;

    public int WorldSize => members.Length;

    /// <summary>The node of rank 0, or null when the group is empty.</summary>
    public string? RankZero => members.IsEmpty ? null : members[0];

    /// <summary>The node's rank, or null when it is not a member.</summary>
    public int? RankOf(string node)
    {
        int rank = members.IndexOf(node, StringComparer.Ordinal);
        return rank < 0 ? null : rank;
    }

    /// <summary>Joins a node as the next rank, in a new generation. A member joining again changes nothing.</summary>
    public RankPlan WithJoined(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        return RankOf(node) is null ? new RankPlan(Generation + 1, members.Add(node)) : this;
    }

    /// <summary>Removes a node; the ranks after it close the gap, in a new generation. A non-member changes nothing.</summary>
    public RankPlan WithLeft(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        return RankOf(node) is null ? this : new RankPlan(Generation + 1, members.Remove(node, StringComparer.Ordinal));
    }

    /// <summary>
    /// The group of exactly <paramref name="nodes"/>, as one change: survivors in their old order, then newcomers by
    /// id. The same set gives back this plan, generation unchanged.
    /// </summary>
    public RankPlan FormedFrom(IEnumerable<string> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var wanted = new HashSet<string>(nodes, StringComparer.Ordinal);
        if (wanted.Any(string.IsNullOrEmpty)) throw new ArgumentException("a node id is empty", nameof(nodes));
        if (wanted.SetEquals(members)) return this;
        var formed = members.Where(wanted.Contains).Concat(wanted.Except(members).Order(StringComparer.Ordinal));
        return new RankPlan(Generation + 1, [.. formed]);
    }

    /// <summary>The rank that trains the batch at plan position <paramref name="position"/>. Fixed within a generation,
    /// so a batch produced twice (after its first sender died) reaches the same rank, which drops the copy by id.</summary>
    public int RankOfPosition(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (members.IsEmpty) throw new InvalidOperationException("the group has no members to route batches to");
        return position % WorldSize;
    }
}
