using System.Collections.ObjectModel;
using Cluster.Speech.Data;

namespace Cluster.Shared.Planning;

/// <summary>
/// Groups the batches of an <see cref="EpochPlan"/> into shards. The grouping is strided (batch p goes to shard
/// p mod count), not contiguous: every shard then holds batches from the whole epoch, so all data nodes produce batches
/// the trainers need soon, instead of one node producing the next thousand steps while the others wait.
/// </summary>
public sealed class ShardPlan
{
    private readonly Dictionary<string, int> positions;

    private ShardPlan(int epoch, IReadOnlyList<string> batchIds, IReadOnlyList<Shard> shards)
    {
        Epoch = epoch;
        BatchIds = batchIds;
        Shards = shards;
        positions = new Dictionary<string, int>(batchIds.Count, StringComparer.Ordinal);
        for (int p = 0; p < batchIds.Count; p++) positions.Add(batchIds[p], p);
    }

    public int Epoch { get; }

    /// <summary>Every batch of the epoch, in training order.</summary>
    public IReadOnlyList<string> BatchIds { get; }

    public IReadOnlyList<Shard> Shards { get; }

    /// <summary>Cuts <paramref name="plan"/> into <paramref name="shardCount"/> shards, or fewer when the epoch has fewer
    /// batches (a shard is never empty).</summary>
    public static ShardPlan Create(EpochPlan plan, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Create(plan.Epoch, [.. plan.Batches.Select(b => b.BatchId)], shardCount);
    }

    /// <summary>Cuts the batch ids of one epoch, in training order, into shards.</summary>
    /// <exception cref="ArgumentException">Ids repeat or are empty.</exception>
    public static ShardPlan Create(int epoch, IReadOnlyList<string> batchIds, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(batchIds);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(shardCount);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string id in batchIds)
        {
            if (string.IsNullOrEmpty(id)) throw new ArgumentException("a batch id is empty", nameof(batchIds));
            if (!seen.Add(id)) throw new ArgumentException($"batch id '{id}' appears more than once", nameof(batchIds));
        }

        int count = Math.Min(shardCount, batchIds.Count);
        var shards = new Shard[count];
        for (int s = 0; s < count; s++)
        {
            string[] members = [.. Enumerable.Range(0, (batchIds.Count - s + count - 1) / count).Select(k => batchIds[s + k * count])];
            shards[s] = new Shard(epoch, s, Array.AsReadOnly(members));
        }

        return new ShardPlan(epoch, new ReadOnlyCollection<string>([.. batchIds]), Array.AsReadOnly(shards));
    }

    /// <summary>The batch's place in training order.</summary>
    /// <exception cref="ArgumentException">The id is not a batch of this epoch.</exception>
    public int PositionOf(string batchId) =>
        positions.TryGetValue(batchId, out int position)
            ? position
            : throw new ArgumentException($"'{batchId}' is not a batch of epoch {Epoch}", nameof(batchId));

    public bool Contains(string batchId) => positions.ContainsKey(batchId);

    /// <summary>The shard that holds the batch.</summary>
    public int ShardOf(string batchId) => PositionOf(batchId) % Shards.Count;
}
