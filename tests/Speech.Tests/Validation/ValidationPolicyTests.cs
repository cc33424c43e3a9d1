using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

public sealed class ValidationPolicyTests
{
    private static readonly ValidationPolicy Policy = ValidationPolicy.Default;

    [Fact]
    public void Training_starts_up_to_the_bad_fraction_and_refuses_past_it()
    {
        Assert.False(Reports.With(100, Reports.Many(4, IssueKind.Silent)).ShouldRefuseTraining(Policy));
        Assert.False(Reports.With(100, Reports.Many(5, IssueKind.Silent)).ShouldRefuseTraining(Policy));

        ValidationReport tooMany = Reports.With(100, [.. Reports.Many(4, IssueKind.Silent), .. Reports.Many(2, IssueKind.Unreadable, "lost")]);
        Assert.True(tooMany.ShouldRefuseTraining(Policy));
        Assert.Equal("test manifest: 6 of 100 items (6%) have blocking issues (2 Unreadable, 4 Silent), more than the 5% allowed",
            tooMany.RefusalReason(Policy));
        Assert.False(tooMany.ShouldRefuseTraining(Policy with { MaxBadFraction = 0.06 }));
    }

    [Fact]
    public void Items_count_once_however_many_issues_they_have_and_warnings_do_not_count()
    {
        ValidationReport report = Reports.With(100,
        [
            .. Reports.Many(5, IssueKind.Silent), .. Reports.Many(5, IssueKind.EmptyTranscript), .. Reports.Many(40, IssueKind.Clipped, "loud"),
        ]);

        Assert.Equal(0.05, report.BadFraction);
        Assert.Null(report.RefusalReason(Policy));
    }

    [Fact]
    public void A_few_implausible_pairs_refuse_although_the_bad_fraction_is_tolerated()
    {
        // 3 of 200 pairs is 1.5%: under the 5% for bad items, over the 1% for implausible SI-SNR.
        ValidationReport report = Reports.With(200, Reports.Many(3, IssueKind.ImplausibleSiSnr, "pair"));

        string? reason = report.RefusalReason(Policy);

        Assert.Equal("test manifest: 3 of 200 pairs (1.5%) have an implausible SI-SNR between noisy and clean, more than the 1% allowed: "
            + "the pairs are misaligned or mis-scaled, and a model trained on them learns nothing", reason);
        Assert.Null(Reports.With(200, Reports.Many(2, IssueKind.ImplausibleSiSnr, "pair")).RefusalReason(Policy));
        Assert.Null(report.RefusalReason(Policy with { MaxImplausibleSiSnrFraction = 0.015 }));
    }

    [Fact]
    public void Every_pair_implausible_gives_both_reasons()
    {
        string? reason = Reports.With(10, Reports.Many(10, IssueKind.ImplausibleSiSnr, "pair")).RefusalReason(Policy);

        Assert.NotNull(reason);
        Assert.Contains("10 of 10 items (100%) have blocking issues (10 ImplausibleSiSnr)", reason);
        Assert.Contains("; 10 of 10 pairs (100%) have an implausible SI-SNR", reason);
    }

    [Fact]
    public void A_manifest_without_items_refuses()
    {
        ValidationReport empty = Reports.With(0);

        Assert.Equal(0, empty.BadFraction);
        Assert.Equal("test manifest holds no items to train on", empty.RefusalReason(Policy));
    }

    [Fact]
    public void Thresholds_outside_zero_to_one_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationPolicy { MaxBadFraction = -0.1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationPolicy { MaxBadFraction = double.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationPolicy { MaxImplausibleSiSnrFraction = 1.01 });
    }
}
