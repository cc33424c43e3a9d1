namespace Cluster.Shared.Checkpoints;

/// <summary>Which checkpoints to keep: the <see cref="KeepLast"/> newest and the <see cref="KeepBest"/> best by
/// <see cref="Metric"/> (lower is better under <see cref="MetricMode.Min"/>).</summary>
public sealed record RetentionPolicy
{
    public RetentionPolicy(int keepLast, int keepBest, string metric, MetricMode mode)
    {
        // Resuming needs the newest complete checkpoint, so at least one of the last is always kept.
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(keepBest);
        ArgumentException.ThrowIfNullOrEmpty(metric);
        if (!Enum.IsDefined(mode)) throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown mode");
        KeepLast = keepLast;
        KeepBest = keepBest;
        Metric = metric;
        Mode = mode;
    }

    public int KeepLast { get; }

    public int KeepBest { get; }

    public string Metric { get; }

    public MetricMode Mode { get; }
}
