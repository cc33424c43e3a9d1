
namespace Cluster.Shared.Planning;

/// <summary>The ledger cursor of a checkpoint at step S: what the epoch had committed when the schedule was made plus
/// every batch the schedule places in a step up to S (all ranks have trained those once S's optimizer step is done).</summary>
public static class CheckpointCursor
{
    /// <exception cref="InvalidDataException">An entry's position lies outside the plan or was already committed.</exception>
    public static LedgerCursor At(LedgerCursor committedBefore, IEnumerable<ScheduledEntry> schedule, long step)
    {
        ArgumentNullException.ThrowIfNull(committedBefore);
        ArgumentNullException.ThrowIfNull(schedule);
        var done = new bool[committedBefore.BatchCount];
        foreach (var range in committedBefore.Committed)
        {
            for (int p = range.Start; p < range.Start + range.Count; p++) done[p] = true;
        }
        foreach (var entry in schedule.Where(entry => entry.Step <= step))
        {
            if (entry.Position < 0 || entry.Position >= done.Length)
                throw new InvalidDataException($"batch '{entry.BatchId}' has plan position {entry.Position}, outside the epoch's {done.Length} batches");
            if (done[entry.Position])
                throw new InvalidDataException($"batch '{entry.BatchId}' at plan position {entry.Position} is scheduled, but was committed before the schedule");
            done[entry.Position] = true;
        }
        var ranges = new List<CommittedRange>();
        int start = -1;
        for (int p = 0; p <= done.Length; p++)
        {
            bool committed = p < done.Length && done[p];
            if (committed && start < 0) start = p;
            if (!committed && start >= 0)
            {
                ranges.Add(new CommittedRange(start, p - start));
                start = -1;
            }
        }
        return new LedgerCursor(committedBefore.Epoch, Math.Max(step, committedBefore.Step), committedBefore.BatchCount, ranges.AsReadOnly());
    }
}
