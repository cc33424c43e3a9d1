using Cluster.Shared.Planning;

namespace Cluster.GpuNode;

/// <summary>
/// One rank's view of an epoch schedule: its batches step by step, and the request window. Requests run ahead of
/// training in step order, with at most <c>credits</c> batches requested but not yet trained (each is a credit a data
/// node spends on us); a batch that arrives twice (its first producer was lost after sending) is dropped by id.
/// </summary>
public sealed class RankSchedule
{
    private readonly SortedDictionary<long, List<ScheduledEntry>> byStep = [];
    private readonly List<ScheduledEntry> order;
    private readonly Dictionary<string, ScheduledEntry> mine = new(StringComparer.Ordinal);
    private readonly HashSet<string> requested = new(StringComparer.Ordinal);
    private readonly HashSet<string> received = new(StringComparer.Ordinal);
    private readonly HashSet<string> trained = new(StringComparer.Ordinal);
    private int nextToRequest;

    /// <param name="entries">The schedule of all ranks.</param>
    /// <param name="rank">This trainer's rank.</param>
    /// <param name="credits">Batches requested ahead at most (cluster.credits_per_trainer).</param>
    /// <exception cref="ArgumentException">A batch id repeats, or <paramref name="credits"/> is not positive.</exception>
    public RankSchedule(IEnumerable<ScheduledEntry> entries, int rank, int credits)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(credits);
        Credits = credits;
        All = [.. entries];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in All)
        {
            if (!seen.Add(entry.BatchId)) throw new ArgumentException($"batch '{entry.BatchId}' is scheduled twice", nameof(entries));
            if (!byStep.TryGetValue(entry.Step, out var list)) byStep[entry.Step] = list = [];
            if (entry.Rank != rank) continue;
            list.Add(entry);
            mine[entry.BatchId] = entry;
        }
        order = [.. byStep.Values.SelectMany(list => list)];
    }

    public int Credits { get; }

    /// <summary>Every rank's entries, as scheduled (for the ledger cursor of a checkpoint).</summary>
    public IReadOnlyList<ScheduledEntry> All { get; }

    /// <summary>The schedule's steps in order, including steps in which this rank trains nothing (it still takes part
    /// in the collectives).</summary>
    public IReadOnlyList<long> Steps => [.. byStep.Keys];

    /// <summary>This rank's batches of <paramref name="step"/> (several under gradient accumulation; none possible).</summary>
    public IReadOnlyList<ScheduledEntry> EntriesOf(long step) => byStep.TryGetValue(step, out var list) ? list : [];

    /// <summary>Batches requested and not yet trained: the credits this schedule holds.</summary>
    public int Open => requested.Count - trained.Count;

    /// <summary>The next batches to request so that requested-but-untrained stays within the credits; they count as
    /// requested from now on.</summary>
    /// <param name="heldElsewhere">Credits this rank already holds in another schedule: the current epoch's, when this
    /// is the next epoch's sent ahead (the window is the rank's, across the epoch boundary).</param>
    public IReadOnlyList<ScheduledEntry> TakeRequests(int heldElsewhere = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(heldElsewhere);
        var taken = new List<ScheduledEntry>();
        int open = Open + heldElsewhere;
        while (open < Credits && nextToRequest < order.Count)
        {
            var entry = order[nextToRequest++];
            requested.Add(entry.BatchId);
            taken.Add(entry);
            open++;
        }
        return taken;
    }

    /// <summary>Records an arriving batch; false for a batch not scheduled for this rank, not requested, or already
    /// received (a duplicate).</summary>
    public bool Receive(string batchId) =>
        mine.ContainsKey(batchId) && requested.Contains(batchId) && received.Add(batchId);

    /// <summary>Whether every batch this rank trains in <paramref name="step"/> has arrived.</summary>
    public bool IsReady(long step) => EntriesOf(step).All(entry => received.Contains(entry.BatchId));

    /// <summary>Marks the step's batches trained, which frees their credits.</summary>
    public void Trained(long step)
    {
        foreach (var entry in EntriesOf(step)) trained.Add(entry.BatchId);
    }

    /// <summary>Requested batches that have not arrived: what to ask the new owners for after shards moved.</summary>
    public IReadOnlyList<ScheduledEntry> Outstanding() =>
        [.. order.Where(entry => requested.Contains(entry.BatchId) && !received.Contains(entry.BatchId))];
}
