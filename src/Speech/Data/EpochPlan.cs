namespace Cluster.Speech.Data;

/// <summary>The batches of one epoch in training order, as <see cref="DurationBucketer"/> planned them.</summary>
public sealed class EpochPlan
{
    internal EpochPlan(ulong seed, int epoch, IReadOnlyList<double> boundaries, IReadOnlyList<PlannedBatch> batches)
    {
        Seed = seed;
        Epoch = epoch;
        Boundaries = boundaries;
        Batches = batches;
        RealFrames = batches.Sum(b => b.RealFrames);
        PaddedFrames = batches.Sum(b => b.PaddedFrames);
    }

    public ulong Seed { get; }

    public int Epoch { get; }

    /// <summary>The bucket edges in seconds that were used (computed from quantiles or given).</summary>
    public IReadOnlyList<double> Boundaries { get; }

    public IReadOnlyList<PlannedBatch> Batches { get; }

    public long RealFrames { get; }

    public long PaddedFrames { get; }

    /// <summary>1 − real/padded: the share of GPU work spent on padding.</summary>
    public double PaddingRatio => PaddedFrames == 0 ? 0 : 1 - (double)RealFrames / PaddedFrames;
}
