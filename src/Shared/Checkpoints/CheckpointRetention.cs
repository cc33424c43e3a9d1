namespace Cluster.Shared.Checkpoints;

/// <summary>
/// Decides which checkpoints retention deletes. Kept: the <c>KeepLast</c> newest complete ones, and the <c>KeepBest</c>
/// complete ones with the best metric (ties go to the newer step; a missing or NaN metric never counts as best).
/// Incomplete ones older than the newest complete one are deleted: they can never be resumed from. Incomplete ones
/// newer than it are left for a person to look at; the next complete checkpoint makes them deletable.
/// </summary>
public static class CheckpointRetention
{
    public static RetentionDecision Decide(IReadOnlyList<RetentionCandidate> candidates, RetentionPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(policy);
        if (candidates.Select(c => c.Step).Distinct().Count() != candidates.Count)
            throw new ArgumentException("a step appears more than once", nameof(candidates));

        RetentionCandidate[] complete = [.. candidates.Where(c => c.IsComplete).OrderByDescending(c => c.Step)];
        var keep = new HashSet<long>(complete.Take(policy.KeepLast).Select(c => c.Step));
        var ranked = complete.Where(c => c.Metric is double v && !double.IsNaN(v));
        ranked = policy.Mode == MetricMode.Min
            ? ranked.OrderBy(c => c.Metric).ThenByDescending(c => c.Step)
            : ranked.OrderByDescending(c => c.Metric).ThenByDescending(c => c.Step);
        keep.UnionWith(ranked.Take(policy.KeepBest).Select(c => c.Step));

        long newestComplete = complete.Length > 0 ? complete[0].Step : long.MinValue;
        keep.UnionWith(candidates.Where(c => !c.IsComplete && c.Step > newestComplete).Select(c => c.Step));
        return new RetentionDecision(
            [.. keep.Order()],
            [.. candidates.Select(c => c.Step).Where(s => !keep.Contains(s)).Order()]);
    }
}
