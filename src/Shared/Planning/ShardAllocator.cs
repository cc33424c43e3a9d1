using System.Collections.Immutable;

namespace Cluster.Shared.Planning;

/// <summary>
/// Which live data node produces which shard. Balanced (node loads differ by at most one shard after every join and
/// leave) and stable: a change moves only the shards it must (those of a leaving node, or just enough for a newcomer
/// to carry its share), so nodes that are not involved keep producing what they were producing. Ties are broken by
/// node id and shard index, so the same events give the same allocation on every coordinator.
/// </summary>
/// <remarks>
/// A moved shard's new owner asks the <see cref="Ledger"/> what of it must still be produced; the ledger has already
/// made the batches a lost node had sent but nobody had committed due again.
/// </remarks>
public sealed class ShardAllocator
{
    private readonly ImmutableSortedDictionary<int, string?> owners;
    private readonly ImmutableSortedSet<string> nodes;

    private ShardAllocator(ImmutableSortedDictionary<int, string?> owners, ImmutableSortedSet<string> nodes)
    {
        this.owners = owners;
        this.nodes = nodes;
    }

    /// <summary>The live data nodes, by id.</summary>
    public IReadOnlyCollection<string> Nodes => nodes;

    /// <summary>Every shard still allocated, with its owner (null while no node is live).</summary>
    public IReadOnlyDictionary<int, string?> Owners => owners;

    /// <summary>Allocates <paramref name="shards"/> round-robin over <paramref name="liveNodes"/> (sorted by id).</summary>
    public static ShardAllocator Create(IEnumerable<int> shards, IEnumerable<string> liveNodes)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(liveNodes);
        var nodeSet = ImmutableSortedSet.CreateRange(StringComparer.Ordinal, liveNodes);
        if (nodeSet.Any(string.IsNullOrEmpty)) throw new ArgumentException("a node id is empty", nameof(liveNodes));
        var builder = ImmutableSortedDictionary.CreateBuilder<int, string?>();
        int i = 0;
        foreach (int shard in shards)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(shard);
            if (builder.ContainsKey(shard)) throw new ArgumentException($"shard {shard} appears more than once", nameof(shards));
            builder.Add(shard, nodeSet.Count == 0 ? null : nodeSet[i++ % nodeSet.Count]);
        }

        return new ShardAllocator(builder.ToImmutable(), nodeSet);
    }

    public string? OwnerOf(int shard) =>
        owners.TryGetValue(shard, out string? owner) ? owner : throw new ArgumentException($"shard {shard} is not allocated", nameof(shard));

    /// <summary>The shards <paramref name="node"/> produces, ascending.</summary>
    public IReadOnlyList<int> ShardsOf(string node) => [.. owners.Where(pair => pair.Value == node).Select(pair => pair.Key)];

    /// <summary>A data node joined: it takes orphaned shards, then just enough from the busiest nodes to balance.</summary>
    public ShardAllocator WithNode(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        if (nodes.Contains(node)) return this;
        var next = owners.ToBuilder();
        foreach (int orphan in owners.Where(pair => pair.Value is null).Select(pair => pair.Key)) next[orphan] = node;
        return Balanced(next, nodes.Add(node));
    }

    /// <summary>A data node left or died: its shards go to the least busy of the others (or wait for a node to join).</summary>
    public ShardAllocator WithoutNode(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        if (!nodes.Contains(node)) return this;
        var remaining = nodes.Remove(node);
        var next = owners.ToBuilder();
        foreach (int shard in owners.Where(pair => pair.Value == node).Select(pair => pair.Key))
            next[shard] = remaining.Count == 0 ? null : LeastLoaded(next, remaining);
        return Balanced(next, remaining);
    }

    /// <summary>The shard is finished (all its batches committed): it leaves the allocation. Nothing else moves, so a
    /// node is not handed a half-produced shard just because another finished first.</summary>
    public ShardAllocator WithoutShard(int shard) =>
        owners.ContainsKey(shard) ? new ShardAllocator(owners.Remove(shard), nodes) : this;

    /// <summary>The moves that turn <paramref name="before"/> into <paramref name="after"/>, by shard.</summary>
    public static IReadOnlyList<ShardMove> Moves(ShardAllocator before, ShardAllocator after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var moves = new List<ShardMove>();
        foreach (int shard in before.owners.Keys.Union(after.owners.Keys).Order())
        {
            string? from = before.owners.GetValueOrDefault(shard);
            string? to = after.owners.GetValueOrDefault(shard);
            if (from != to) moves.Add(new ShardMove(shard, from, to));
        }

        return moves;
    }

    private static ShardAllocator Balanced(ImmutableSortedDictionary<int, string?>.Builder next, ImmutableSortedSet<string> live)
    {
        if (live.Count > 1)
        {
            // Each move from the busiest to the idlest node narrows the gap, so this moves no more shards than needed.
            while (true)
            {
                var loads = live.ToDictionary(n => n, n => 0, StringComparer.Ordinal);
                foreach (string? owner in next.Values)
                    if (owner is not null) loads[owner]++;
                string busiest = live.OrderByDescending(n => loads[n]).ThenBy(n => n, StringComparer.Ordinal).First();
                string idlest = live.OrderBy(n => loads[n]).ThenBy(n => n, StringComparer.Ordinal).First();
                if (loads[busiest] - loads[idlest] <= 1) break;
                int moved = next.Where(pair => pair.Value == busiest).Max(pair => pair.Key);
                next[moved] = idlest;
            }
        }

        return new ShardAllocator(next.ToImmutable(), live);
    }

    private static string LeastLoaded(ImmutableSortedDictionary<int, string?>.Builder owners, ImmutableSortedSet<string> live) =>
        live.OrderBy(n => owners.Values.Count(o => o == n)).ThenBy(n => n, StringComparer.Ordinal).First();
}
