using System.Collections.Immutable;

namespace Cluster.Shared.Planning;

/// <summary>
/// The coordinator's record of one epoch: which batches were sent by which data node and which were committed by which
/// step. It is what makes consumption exactly-once: a batch is committed at most once (a second commit of the same id
/// is reported as a duplicate and changes nothing), and a batch sent by a node that is lost before the batch was
/// committed becomes due again, so another node produces it (<see cref="MustProduce"/>).
/// </summary>
/// <remarks>Immutable: every change returns a new ledger, so the coordinator can keep the one of the last checkpoint.</remarks>
public sealed class Ledger
{
    private readonly ImmutableDictionary<string, long> committed;
    private readonly ImmutableDictionary<string, string> inFlight;

    private Ledger(ShardPlan plan, long step, ImmutableDictionary<string, long> committed, ImmutableDictionary<string, string> inFlight)
    {
        Plan = plan;
        Step = step;
        this.committed = committed;
        this.inFlight = inFlight;
    }

    public ShardPlan Plan { get; }

    public int Epoch => Plan.Epoch;

    /// <summary>The latest step that committed batches (or that the ledger was restored at); -1 before any.</summary>
    public long Step { get; }

    public int CommittedCount => committed.Count;

    public int InFlightCount => inFlight.Count;

    /// <summary>Every batch of the epoch is committed.</summary>
    public bool IsComplete => committed.Count == Plan.BatchIds.Count;

    public static Ledger Start(ShardPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new Ledger(plan, -1, ImmutableDictionary.Create<string, long>(StringComparer.Ordinal),
            ImmutableDictionary.Create<string, string>(StringComparer.Ordinal));
    }

    /// <summary>The ledger a checkpoint saved: its commits, nothing in flight.</summary>
    /// <exception cref="InvalidDataException">The cursor belongs to another epoch or plan, or its ranges are malformed.</exception>
    public static Ledger Restore(ShardPlan plan, LedgerCursor cursor)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(cursor);
        if (cursor.Epoch != plan.Epoch)
            throw new InvalidDataException($"ledger cursor is for epoch {cursor.Epoch}, the plan for epoch {plan.Epoch}");
        if (cursor.BatchCount != plan.BatchIds.Count)
            throw new InvalidDataException($"ledger cursor counts {cursor.BatchCount} batches in epoch {cursor.Epoch}, the plan {plan.BatchIds.Count}: the data or the batching changed since the checkpoint");
        if (cursor.Step < -1) throw new InvalidDataException($"ledger cursor step {cursor.Step} is negative");
        if (cursor.Committed is null) throw new InvalidDataException("ledger cursor has no committed ranges");
        var builder = ImmutableDictionary.CreateBuilder<string, long>(StringComparer.Ordinal);
        int end = -1;
        foreach (CommittedRange range in cursor.Committed)
        {
            // Touching ranges are also refused: the writer merges them, so one here means the cursor was not ours.
            if (range is null || range.Count <= 0 || range.Start <= end || (long)range.Start + range.Count > plan.BatchIds.Count)
                throw new InvalidDataException($"ledger cursor range {range} is empty, overlaps or touches the one before, or runs past the {plan.BatchIds.Count} batches");
            for (int p = range.Start; p < range.Start + range.Count; p++) builder.Add(plan.BatchIds[p], cursor.Step);
            end = range.Start + range.Count;
        }

        return new Ledger(plan, cursor.Step, builder.ToImmutable(), ImmutableDictionary.Create<string, string>(StringComparer.Ordinal));
    }

    /// <summary>Records that <paramref name="node"/> sent the batch. Sending an already committed batch changes nothing:
    /// the trainer drops the copy.</summary>
    /// <exception cref="ArgumentException">Not a batch of this epoch.</exception>
    public Ledger Sent(string batchId, string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        Plan.PositionOf(batchId);
        if (committed.ContainsKey(batchId)) return this;
        return new Ledger(Plan, Step, committed, inFlight.SetItem(batchId, node));
    }

    /// <summary>Commits the batches a step trained on. Ids already committed are returned as duplicates and keep their
    /// first step; the step may repeat (each rank commits its own batches of a step) but not go back.</summary>
    /// <exception cref="ArgumentException">An id is not a batch of this epoch, or the step is older than <see cref="Step"/>.</exception>
    public LedgerCommit Commit(long step, IReadOnlyCollection<string> batchIds)
    {
        ArgumentNullException.ThrowIfNull(batchIds);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < Step)
            throw new ArgumentException($"step {step} commits after step {Step}: a commit from before a restore or from a torn-down group", nameof(step));
        string[] unknown = [.. batchIds.Where(id => !Plan.Contains(id))];
        if (unknown.Length > 0)
            throw new ArgumentException($"not batches of epoch {Epoch}: {string.Join(", ", unknown.Take(10))}", nameof(batchIds));

        var accepted = new List<string>();
        var duplicates = new List<string>();
        ImmutableDictionary<string, long> nextCommitted = committed;
        ImmutableDictionary<string, string> nextInFlight = inFlight;
        foreach (string id in batchIds)
        {
            if (nextCommitted.ContainsKey(id))
            {
                duplicates.Add(id);
                continue;
            }

            nextCommitted = nextCommitted.Add(id, step);
            nextInFlight = nextInFlight.Remove(id);
            accepted.Add(id);
        }

        return new LedgerCommit(new Ledger(Plan, step, nextCommitted, nextInFlight), accepted, duplicates);
    }

    /// <summary>The node is gone: what it sent and nobody committed is due again.</summary>
    public Ledger SenderLost(string node)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        string[] lost = [.. inFlight.Where(pair => pair.Value == node).Select(pair => pair.Key)];
        return lost.Length == 0 ? this : new Ledger(Plan, Step, committed, inFlight.RemoveRange(lost));
    }

    /// <summary>
    /// The ledger as it was after <paramref name="step"/>: later commits undone and nothing in flight. Used when the
    /// trainers resume from the checkpoint of that step, whose model never saw the later batches.
    /// </summary>
    public Ledger RollBackTo(long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, -1);
        var kept = committed.Where(pair => pair.Value <= step);
        return new Ledger(Plan, step, ImmutableDictionary.CreateRange(StringComparer.Ordinal, kept),
            ImmutableDictionary.Create<string, string>(StringComparer.Ordinal));
    }

    public bool IsCommitted(string batchId) => committed.ContainsKey(batchId);

    /// <summary>The node the batch was last sent by, while it is uncommitted.</summary>
    public string? SenderOf(string batchId) => inFlight.GetValueOrDefault(batchId);

    /// <summary>The batches of a shard that are neither committed nor in flight, in plan order: what its owner must
    /// produce next.</summary>
    public IReadOnlyList<string> MustProduce(int shard)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(shard);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(shard, Plan.Shards.Count);
        return [.. Plan.Shards[shard].BatchIds.Where(id => !committed.ContainsKey(id) && !inFlight.ContainsKey(id))];
    }

    /// <summary>Every uncommitted batch, in plan order.</summary>
    public IReadOnlyList<string> Outstanding() => [.. Plan.BatchIds.Where(id => !committed.ContainsKey(id))];

    /// <summary>The cursor of the commits up to and including <paramref name="step"/>, for the checkpoint of that step
    /// (other ranks may already have committed the next step when rank 0 saves).</summary>
    public LedgerCursor CursorAt(long step)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, -1);
        var ranges = new List<CommittedRange>();
        int start = -1;
        for (int p = 0; p <= Plan.BatchIds.Count; p++)
        {
            bool done = p < Plan.BatchIds.Count && committed.TryGetValue(Plan.BatchIds[p], out long at) && at <= step;
            if (done && start < 0) start = p;
            if (!done && start >= 0)
            {
                ranges.Add(new CommittedRange(start, p - start));
                start = -1;
            }
        }

        return new LedgerCursor(Epoch, step, Plan.BatchIds.Count, ranges.AsReadOnly());
    }
}
