using System.Globalization;

namespace Cluster.Speech.Validation;

/// <summary>
/// When a validation report stops a training job before it starts. Blocking items are quarantined and skipped either
/// way; the policy decides when there are too many to trust the rest: past <see cref="MaxBadFraction"/>, or past the
/// much smaller <see cref="MaxImplausibleSiSnrFraction"/> of pairs with an implausible SI-SNR, because those come from
/// systematic bugs (a wrong scale or offset in the mixing pipeline) that the surviving pairs most likely share. That is
/// the run of DESIGN.md §1: every input at −36 dB SI-SNR, found after 10 GPU-hours instead of before.
/// </summary>
public sealed record ValidationPolicy
{
    public static ValidationPolicy Default { get; } = new();

    /// <summary>Refuse when more than this fraction of items is quarantined.</summary>
    public double MaxBadFraction
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxBadFraction), value, "must be in [0, 1]");
    } = 0.05;

    /// <summary>
    /// Refuse when more than this fraction of items has an implausible SI-SNR. 1% lets a large corpus lose a few
    /// badly cut pairs to quarantine; in a small one a single such pair refuses, which is the cheap side to err on.
    /// </summary>
    public double MaxImplausibleSiSnrFraction
    {
        get;
        init => field = value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(nameof(MaxImplausibleSiSnrFraction), value, "must be in [0, 1]");
    } = 0.01;

    /// <summary>Why training must not start on the data of <paramref name="report"/>; null when it may.</summary>
    public string? RefusalReason(ValidationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        int items = report.Summary.Items;
        if (items == 0) return $"{report.Source} holds no items to train on";

        var reasons = new List<string>();
        if (report.BadFraction > MaxBadFraction)
        {
            string kinds = string.Join(", ", report.Counts
                .Where(count => count.Key.IsBlocking() && count.Value > 0)
                .Select(count => $"{count.Value} {count.Key}"));
            reasons.Add($"{report.QuarantineList.Count} of {items} items ({Percent(report.BadFraction)}) have blocking issues ({kinds}), "
                + $"more than the {Percent(MaxBadFraction)} allowed");
        }

        int implausible = report.Issues.Where(issue => issue.Kind == IssueKind.ImplausibleSiSnr).Select(issue => issue.ItemId).Distinct().Count();
        double implausibleFraction = (double)implausible / items;
        if (implausibleFraction > MaxImplausibleSiSnrFraction)
            reasons.Add($"{implausible} of {items} pairs ({Percent(implausibleFraction)}) have an implausible SI-SNR between noisy and clean, "
                + $"more than the {Percent(MaxImplausibleSiSnrFraction)} allowed: the pairs are misaligned or mis-scaled, "
                + "and a model trained on them learns nothing");

        return reasons.Count == 0 ? null : $"{report.Source}: " + string.Join("; ", reasons);
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("0.##", CultureInfo.InvariantCulture) + "%";
}
