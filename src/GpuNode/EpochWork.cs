using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;

namespace Cluster.GpuNode;

/// <summary>
/// One epoch's schedule as this rank works through it: its <see cref="RankSchedule"/>, the ledger cursor the epoch had
/// when the schedule was made (what a checkpoint's cursor builds on), the batches that arrived and the next step.
/// A trainer holds the current epoch and, when the coordinator sent it ahead, the next one.
/// </summary>
public sealed class EpochWork
{
    // Which data node each outstanding batch was asked from: after shards move, only batches whose owner changed (or
    // that were refused) are asked again, so a batch already built, or on its way, is not built a second time.
    private readonly Dictionary<string, string> requestedFrom = new(StringComparer.Ordinal);
    private int nextStepIndex;

    private EpochWork(int epoch, RankSchedule schedule, LedgerCursor committedBefore)
    {
        Epoch = epoch;
        Schedule = schedule;
        CommittedBefore = committedBefore;
    }

    public int Epoch { get; }

    public RankSchedule Schedule { get; }

    public LedgerCursor CommittedBefore { get; }

    public Dictionary<string, BatchData> Arrived { get; } = new(StringComparer.Ordinal);

    /// <summary>The step to train next; null once every step of the schedule is trained.</summary>
    public long? NextStep => nextStepIndex < Schedule.Steps.Count ? Schedule.Steps[nextStepIndex] : null;


    /// <exception cref="InvalidDataException">The schedule's cursor is not valid JSON of a ledger cursor.</exception>
    /// <exception cref="ArgumentException">A batch id repeats in the schedule.</exception>
    public static EpochWork From(EpochSchedule message, int rank, int credits)
    {
        ArgumentNullException.ThrowIfNull(message);
        var entries = message.Batches.Select(b => new ScheduledEntry(b.Step, b.Rank, b.BatchId, b.Shard, b.Position));
        var cursor = LedgerCursorJson.Parse(message.CommittedBefore, $"EpochSchedule of epoch {message.Epoch}");
        return new EpochWork(message.Epoch, new RankSchedule(entries, rank, credits), cursor);
    }

    /// <summary>The entries were asked from <paramref name="owner"/> (a data node's actor path).</summary>
    public void AskedFrom(IEnumerable<ScheduledEntry> entries, string owner)
    {
        ArgumentNullException.ThrowIfNull(entries);
        foreach (var entry in entries) requestedFrom[entry.BatchId] = owner;
    }

    /// <summary>The entry of a batch this rank asked for and has not received; null otherwise.</summary>
    public ScheduledEntry? Outstanding(string batchId) => Schedule.Outstanding().FirstOrDefault(e => e.BatchId == batchId);

    /// <summary>A data node refused the batch: it is asked again from whoever owns its shard next.</summary>
    public void Refused(string batchId) => requestedFrom.Remove(batchId);

    /// <summary>
    /// Outstanding batches to ask again after the shard owners changed: those never asked (no owner was known), refused,
    /// or asked from a node that no longer owns their shard, except where that node is <paramref name="finishing"/>
    /// (retired, it delivers what it was asked before it exits; once it has gone, it is no longer listed).
    /// </summary>
    public IReadOnlyList<ScheduledEntry> ToAskAgain(IReadOnlyDictionary<int, string> owners, IReadOnlyCollection<string> finishing)
    {
        ArgumentNullException.ThrowIfNull(owners);
        ArgumentNullException.ThrowIfNull(finishing);
        return [.. Schedule.Outstanding().Where(entry =>
            !requestedFrom.TryGetValue(entry.BatchId, out var from)
            || (!finishing.Contains(from) && owners.TryGetValue(entry.Shard, out var owner) && owner != from))];
    }

    /// <summary>Records an arriving batch of this epoch; false when it was not requested for this rank or came twice.</summary>
    public bool Receive(BatchData batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!Schedule.Receive(batch.BatchId)) return false;
        Arrived[batch.BatchId] = batch;
        requestedFrom.Remove(batch.BatchId);
        return true;
    }

    /// <summary>The step's batches, once they are all there; null while one is missing.</summary>
    public IReadOnlyList<BatchData>? ReadyBatches(long step) =>
        Schedule.IsReady(step) ? [.. Schedule.EntriesOf(step).Select(e => Arrived[e.BatchId])] : null;

    /// <summary>The step is trained: its batches are released and its credits freed.</summary>
    public void Trained(long step)
    {
        foreach (var entry in Schedule.EntriesOf(step)) Arrived.Remove(entry.BatchId);
        Schedule.Trained(step);
        if (NextStep == step) nextStepIndex++;
    }
}
