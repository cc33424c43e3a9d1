namespace Cluster.Speech.Data;

/// <summary>One batch of an epoch plan: which utterances, in which order, and what it costs in frames.</summary>
public sealed record PlannedBatch
{
    internal PlannedBatch(string batchId, int bucket, IReadOnlyList<string> utteranceIds, long realFrames, long paddedFrames)
    {
        BatchId = batchId;
        Bucket = bucket;
        UtteranceIds = utteranceIds;
        RealFrames = realFrames;
        PaddedFrames = paddedFrames;
    }

    /// <summary>"e{epoch}-b{position}": unique across epochs, and the same whenever the plan is rebuilt, so the ledger
    /// can acknowledge batches by id and drop a duplicate produced again after a data node died.</summary>
    public string BatchId { get; }

    /// <summary>Index of the duration bucket the batch was cut from, shortest first.</summary>
    public int Bucket { get; }

    public IReadOnlyList<string> UtteranceIds { get; }

    /// <summary>Sum of the frames of the utterances.</summary>
    public long RealFrames { get; }

    /// <summary>Utterance count times the frames of the longest: what a padded tensor of the batch holds.</summary>
    public long PaddedFrames { get; }

    // The compiler-generated equality would compare UtteranceIds by reference, so two builds of one plan would differ.
    public bool Equals(PlannedBatch? other) =>
        other is not null
        && BatchId == other.BatchId
        && Bucket == other.Bucket
        && RealFrames == other.RealFrames
        && PaddedFrames == other.PaddedFrames
        && UtteranceIds.SequenceEqual(other.UtteranceIds);

    public override int GetHashCode() => HashCode.Combine(BatchId, Bucket, RealFrames, PaddedFrames);
}
