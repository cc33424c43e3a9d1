using System.Collections.Immutable;
using Cluster.Shared.Protocol;

namespace Cluster.Shared.Planning;

/// <summary>
/// Who is in the cluster, with which role; every join and leave is a new generation. Leaving is idempotent, because
/// a node's death is usually reported twice (its connection closing and its heartbeats stopping).
/// </summary>
public sealed class Membership
{
    private readonly ImmutableSortedDictionary<string, Member> members;

    private Membership(long generation, ImmutableSortedDictionary<string, Member> members)
    {
        Generation = generation;
        this.members = members;
    }

    public static Membership Empty { get; } = new(0, ImmutableSortedDictionary.Create<string, Member>(StringComparer.Ordinal));

    public long Generation { get; }

    /// <summary>Members by node id.</summary>
    public IReadOnlyDictionary<string, Member> Members => members;

    /// <summary>Adds a node, or replaces the previous process of the same id (a restart) with a new incarnation.</summary>
    /// <exception cref="ArgumentException">The id is taken by a node of the other role: two processes are
    /// misconfigured, and guessing which one is right could hand a data node a rank.</exception>
    public Membership Join(string nodeId, NodeRole role, string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        ArgumentException.ThrowIfNullOrEmpty(address);
        if (!Enum.IsDefined(role)) throw new ArgumentOutOfRangeException(nameof(role), role, "unknown role");
        if (members.TryGetValue(nodeId, out Member? existing) && existing.Role != role)
            throw new ArgumentException($"node '{nodeId}' is already a member as {existing.Role}, not {role}", nameof(nodeId));
        long generation = Generation + 1;
        return new Membership(generation, members.SetItem(nodeId, new Member(nodeId, role, address, generation)));
    }

    /// <summary>Removes a node; an id that is not a member changes nothing (no new generation).</summary>
    public Membership Leave(string nodeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeId);
        return members.ContainsKey(nodeId) ? new Membership(Generation + 1, members.Remove(nodeId)) : this;
    }

    public bool Contains(string nodeId) => members.ContainsKey(nodeId);

    /// <summary>The ids of the members of <paramref name="role"/>, sorted.</summary>
    public IReadOnlyList<string> OfRole(NodeRole role) => [.. members.Values.Where(m => m.Role == role).Select(m => m.NodeId)];

    /// <summary>Whether a message from <paramref name="nodeId"/> sent as <paramref name="incarnation"/> comes from the
    /// current process of that node.</summary>
    public bool IsCurrent(string nodeId, long incarnation) =>
        members.TryGetValue(nodeId, out Member? member) && member.Incarnation == incarnation;
}
