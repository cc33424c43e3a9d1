using Cluster.Speech.Tests.Text;
using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

/// <summary>Where each limit falls, and that each is configurable.</summary>
public sealed class ItemRulesTests
{
    private static readonly ValidationOptions Defaults = ValidationOptions.Default;

    [Fact]
    public void Exactly_30_seconds_passes_and_one_sample_more_is_too_long()
    {
        Assert.Empty(Kinds(Constant(480000, 0.3f), Defaults, 30));
        Assert.Equal([IssueKind.TooLong], Kinds(Constant(480001, 0.3f), Defaults, 30));
        // Enhancement audio has no length limit.
        Assert.Empty(Kinds(Constant(480001, 0.3f), Defaults, null));
        Assert.Empty(Kinds(Constant(480001, 0.3f), Defaults with { MaxDurationSeconds = 31 }, 31));
    }

    [Fact]
    public void Silence_is_a_peak_below_the_threshold()
    {
        Assert.Equal([IssueKind.Silent], Kinds(Constant(1000, 0.99e-4f), Defaults, null));
        Assert.Empty(Kinds(Constant(1000, 1.01e-4f), Defaults, null));
        Assert.Equal([IssueKind.Silent], Kinds(Constant(1000, 5e-4f), Defaults with { SilencePeak = 1e-3 }, null));
        Assert.Equal([(IssueKind.Silent, "no samples")], ItemRules.Audio(Constant(0, 0), Defaults, 30));
    }

    [Fact]
    public void Clipping_is_more_than_the_allowed_fraction_at_the_clip_level_and_only_a_warning()
    {
        Assert.Empty(Kinds(WithClipped(1000, clipped: 10, level: 0.999f), Defaults, null));
        Assert.Equal([IssueKind.Clipped], Kinds(WithClipped(1000, clipped: 11, level: -0.999f), Defaults, null));
        // The clip level is applied while measuring.
        Assert.Empty(Kinds(WithClipped(1000, clipped: 11, level: 0.999f, clipLevel: 0.9995), Defaults, null));
        Assert.Empty(Kinds(WithClipped(1000, clipped: 11, level: 0.999f), Defaults with { MaxClippedFraction = 0.02 }, null));
        Assert.False(IssueKind.Clipped.IsBlocking());
        Assert.All(Enum.GetValues<IssueKind>().Where(kind => kind != IssueKind.Clipped), kind => Assert.True(kind.IsBlocking()));
    }

    [Fact]
    public void Non_finite_samples_hide_the_other_audio_issues()
    {
        var statistics = new SignalStatistics(0.999);
        statistics.Add([float.NaN, .. new float[40000]]);

        Assert.Equal([IssueKind.NonFinite], Kinds(statistics, Defaults with { SampleRate = 1000 }, 30));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \t\n ")]
    public void Transcripts_empty_after_trimming_are_empty(string text)
    {
        Assert.Equal([IssueKind.EmptyTranscript], ItemRules.Transcript(text, TokenizerFixtures.Multilingual, Defaults).Select(f => f.Kind));
        Assert.Equal([IssueKind.EmptyTranscript], ItemRules.Transcript(text, null, Defaults).Select(f => f.Kind));
    }

    [Fact]
    public void The_label_sequence_may_reach_the_token_limit_but_not_pass_it()
    {
        const string Text = "hello world";
        int tokens = TokenizerFixtures.Multilingual.LabelSequenceLength(Text);

        Assert.Empty(ItemRules.Transcript(Text, TokenizerFixtures.Multilingual, Defaults with { MaxLabelTokens = tokens }));
        Assert.Equal([(IssueKind.TranscriptTooLong, $"label sequence of {tokens} tokens, more than {tokens - 1}")],
            ItemRules.Transcript(Text, TokenizerFixtures.Multilingual, Defaults with { MaxLabelTokens = tokens - 1 }));
        Assert.Empty(ItemRules.Transcript(Text, null, Defaults with { MaxLabelTokens = 1 }));
    }

    [Fact]
    public void Pair_lengths_may_differ_by_the_tolerance()
    {
        Assert.Empty(ItemRules.Pair(16000, 16000, 5, Defaults));
        Assert.Equal([IssueKind.LengthMismatch], ItemRules.Pair(16000, 15999, 5, Defaults).Select(f => f.Kind));
        Assert.Empty(ItemRules.Pair(16000, 15997, 5, Defaults with { LengthToleranceSamples = 3 }));
        Assert.Equal([IssueKind.LengthMismatch], ItemRules.Pair(15996, 16000, 5, Defaults with { LengthToleranceSamples = 3 }).Select(f => f.Kind));
    }

    [Fact]
    public void Pair_si_snr_below_the_minimum_is_implausible_and_an_undefined_one_is_not_judged()
    {
        Assert.Empty(ItemRules.Pair(100, 100, -20, Defaults));
        Assert.Equal(
            [(IssueKind.ImplausibleSiSnr, "SI-SNR(noisy, clean) = -20.1 dB, below -20 dB: misaligned, mis-scaled or unrelated recordings")],
            ItemRules.Pair(100, 100, -20.1, Defaults));
        Assert.Equal([IssueKind.ImplausibleSiSnr], ItemRules.Pair(100, 100, -5, Defaults with { MinSiSnrDb = 0 }).Select(f => f.Kind));
        Assert.Empty(ItemRules.Pair(100, 100, null, Defaults));
    }

    [Fact]
    public void Options_refuse_meaningless_limits()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { SampleRate = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { SilencePeak = double.NaN });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { ClipLevel = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { MaxClippedFraction = 1.5 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { MaxDurationSeconds = double.PositiveInfinity });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { MaxLabelTokens = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { LengthToleranceSamples = -1 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { MinSiSnrDb = double.NegativeInfinity });
        Assert.Throws<ArgumentOutOfRangeException>(() => new ValidationOptions { MaxDegreeOfParallelism = 0 });
    }

    private static IssueKind[] Kinds(SignalStatistics statistics, ValidationOptions options, double? maxDuration) =>
        [.. ItemRules.Audio(statistics, options, maxDuration).Select(finding => finding.Kind)];

    private static SignalStatistics Constant(int length, float value)
    {
        var statistics = new SignalStatistics(0.999);
        statistics.Add(Enumerable.Repeat(value, length).ToArray());
        return statistics;
    }

    private static SignalStatistics WithClipped(int length, int clipped, float level, double clipLevel = 0.999)
    {
        float[] samples = Enumerable.Repeat(0.5f, length).ToArray();
        for (int i = 0; i < clipped; i++) samples[i * 7] = level;
        var statistics = new SignalStatistics(clipLevel);
        statistics.Add(samples);
        return statistics;
    }
}
