namespace Cluster.Shared.Planning;

/// <summary>
/// What a checkpoint keeps of the <see cref="Ledger"/>: which batches of the epoch the saved model has trained on, as
/// sorted, disjoint ranges of plan positions (commits arrive nearly in order, so a few ranges cover an epoch). Batches
/// in flight are not kept: after a restore they are produced again.
/// </summary>
/// <param name="Epoch">The epoch the positions refer to.</param>
/// <param name="Step">The last step whose commits are included.</param>
/// <param name="BatchCount">How many batches the epoch's plan has, so a cursor cannot be applied to another plan.</param>
/// <param name="Committed">Committed positions as ranges, ascending and not touching.</param>
public sealed record LedgerCursor(int Epoch, long Step, int BatchCount, IReadOnlyList<CommittedRange> Committed)
{
    public int CommittedCount => Committed.Sum(r => r.Count);

    public bool Equals(LedgerCursor? other) =>
        other is not null && Epoch == other.Epoch && Step == other.Step && BatchCount == other.BatchCount
        && Committed.SequenceEqual(other.Committed);

    public override int GetHashCode() => HashCode.Combine(Epoch, Step, BatchCount, Committed.Count);
}
