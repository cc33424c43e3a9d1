namespace Cluster.Shared.Checkpoints;

/// <summary>The steps to keep and to delete, each ascending.</summary>
public sealed record RetentionDecision(IReadOnlyList<long> Keep, IReadOnlyList<long> Delete)
{
    public bool Equals(RetentionDecision? other) =>
        other is not null && Keep.SequenceEqual(other.Keep) && Delete.SequenceEqual(other.Delete);

    public override int GetHashCode() => HashCode.Combine(Keep.Count, Delete.Count);
}
