using Cluster.Speech.Data;
using Xunit.Abstractions;

namespace Cluster.Speech.Tests.Data;

public class DurationBucketerTests(ITestOutputHelper output)
{
    private const long Budget = 20_000; // 200 s of padded audio at 100 frames per second

    /// <summary>
    /// Durations shaped like read speech (Common Voice): log-normal around 4 s, a long tail to 30 s, so naive batches
    /// mix 2 s and 20 s clips and pad heavily.
    /// </summary>
    private static Utterance[] Corpus(int count, ulong seed = 3)
    {
        var rng = new SplitMix64(seed);
        return [.. Enumerable.Range(0, count).Select(i =>
        {
            double gaussian = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            double seconds = Math.Round(Math.Clamp(Math.Exp(Math.Log(4) + 0.6 * gaussian), 0.5, 30), 2);
            return new Utterance($"u{i:D5}", $"/corpus/u{i:D5}.wav", "text") { Duration = seconds };
        })];
    }

    private static DurationBucketer Budgeted(int buckets) => new(new BucketingOptions { MaxFramesPerBatch = Budget, BucketCount = buckets });

    [Fact]
    public void The_same_seed_and_epoch_give_the_same_plan()
    {
        Utterance[] corpus = Corpus(2000);

        EpochPlan a = Budgeted(8).Plan(corpus, seed: 42, epoch: 3);
        EpochPlan b = Budgeted(8).Plan([.. corpus], seed: 42, epoch: 3);

        Assert.Equal(a.Batches, b.Batches);
        Assert.Equal(a.Boundaries, b.Boundaries);
        Assert.Equal(a.PaddingRatio, b.PaddingRatio);
    }

    [Fact]
    public void Another_epoch_or_seed_gives_another_order()
    {
        Utterance[] corpus = Corpus(2000);
        string[] Order(ulong seed, int epoch) => [.. Budgeted(8).Plan(corpus, seed, epoch).Batches.SelectMany(b => b.UtteranceIds)];

        Assert.NotEqual(Order(42, 0), Order(42, 1));
        Assert.NotEqual(Order(42, 0), Order(43, 0));
    }

    [Fact]
    public void Every_utterance_is_in_exactly_one_batch_of_every_epoch()
    {
        Utterance[] corpus = Corpus(3000);

        for (int epoch = 0; epoch < 3; epoch++)
        {
            string[] planned = [.. Budgeted(10).Plan(corpus, 7, epoch).Batches.SelectMany(b => b.UtteranceIds)];
            Assert.Equal(corpus.Length, planned.Length);
            Assert.Equal(corpus.Select(u => u.Id).Order(StringComparer.Ordinal), planned.Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public void Batches_respect_the_budget_and_count_their_frames()
    {
        Utterance[] corpus = Corpus(3000);
        var bucketer = Budgeted(10);
        Dictionary<string, long> frames = corpus.ToDictionary(u => u.Id, u => bucketer.Frames(u.Duration!.Value));

        EpochPlan plan = bucketer.Plan(corpus, 1, 0);

        Assert.All(plan.Batches, batch =>
        {
            Assert.InRange(batch.PaddedFrames, 1, Budget);
            Assert.Equal(batch.UtteranceIds.Count * batch.UtteranceIds.Max(id => frames[id]), batch.PaddedFrames);
            Assert.Equal(batch.UtteranceIds.Sum(id => frames[id]), batch.RealFrames);
        });
        Assert.Equal(plan.Batches.Sum(b => b.RealFrames), plan.RealFrames);
        Assert.Equal(1 - (double)plan.RealFrames / plan.PaddedFrames, plan.PaddingRatio);
    }

    [Fact]
    public void Bucketing_pads_far_less_than_naive_batching_on_skewed_durations()
    {
        Utterance[] corpus = Corpus(5000);

        double naive = Budgeted(1).Plan(corpus, 9, 0).PaddingRatio;
        double bucketed = Budgeted(10).Plan(corpus, 9, 0).PaddingRatio;
        double naiveFixed = new DurationBucketer(new BucketingOptions { BatchSize = 16 }).Plan(corpus, 9, 0).PaddingRatio;
        double bucketedFixed = new DurationBucketer(new BucketingOptions { BatchSize = 16, BucketCount = 10 }).Plan(corpus, 9, 0).PaddingRatio;
        output.WriteLine($"padding ratio, frame budget {Budget}: naive {naive:P1}, 10 buckets {bucketed:P1}");
        output.WriteLine($"padding ratio, batch size 16:       naive {naiveFixed:P1}, 10 buckets {bucketedFixed:P1}");

        Assert.True(bucketed < naive / 4, $"bucketed {bucketed:P1} vs naive {naive:P1}");
        Assert.True(bucketedFixed < naiveFixed / 4, $"bucketed {bucketedFixed:P1} vs naive {naiveFixed:P1}");
    }

    [Fact]
    public void Quantile_buckets_hold_about_equal_amounts_of_audio()
    {
        Utterance[] corpus = Corpus(5000);
        double total = corpus.Sum(u => u.Duration!.Value);

        EpochPlan plan = Budgeted(5).Plan(corpus, 1, 0);

        Assert.Equal(4, plan.Boundaries.Count);
        Assert.All(plan.Batches.GroupBy(b => b.Bucket),
            bucket => Assert.InRange(bucket.Sum(b => b.RealFrames) / 100.0, 0.19 * total, 0.21 * total));
    }

    [Fact]
    public void Explicit_boundaries_keep_each_batch_inside_its_bucket()
    {
        Utterance[] corpus = Corpus(2000);
        Dictionary<string, double> seconds = corpus.ToDictionary(u => u.Id, u => u.Duration!.Value);
        double[] edges = [2, 4, 8];

        EpochPlan plan = new DurationBucketer(new BucketingOptions { MaxFramesPerBatch = Budget, Boundaries = edges }).Plan(corpus, 1, 0);

        Assert.Equal(edges, plan.Boundaries);
        Assert.All(plan.Batches, batch =>
        {
            double low = batch.Bucket == 0 ? 0 : edges[batch.Bucket - 1];
            double high = batch.Bucket == edges.Length ? double.PositiveInfinity : edges[batch.Bucket];
            Assert.All(batch.UtteranceIds, id => Assert.True(seconds[id] >= low && seconds[id] < high, $"{id}: {seconds[id]} s in [{low}, {high})"));
        });
    }

    [Fact]
    public void Fixed_batch_size_leaves_at_most_one_short_batch_per_bucket()
    {
        Utterance[] corpus = Corpus(1000);

        EpochPlan plan = new DurationBucketer(new BucketingOptions { BatchSize = 32, BucketCount = 4 }).Plan(corpus, 1, 0);

        Assert.All(plan.Batches, b => Assert.InRange(b.UtteranceIds.Count, 1, 32));
        Assert.All(plan.Batches.GroupBy(b => b.Bucket), bucket => Assert.True(bucket.Count(b => b.UtteranceIds.Count < 32) <= 1));
    }

    [Fact]
    public void Batch_ids_name_the_epoch_and_the_position()
    {
        EpochPlan plan = Budgeted(4).Plan(Corpus(500), 1, epoch: 5);

        Assert.Equal(Enumerable.Range(0, plan.Batches.Count).Select(i => $"e5-b{i}"), plan.Batches.Select(b => b.BatchId));
        Assert.Equal(5, plan.Epoch);
        Assert.Equal(1UL, plan.Seed);
    }

    [Fact]
    public void An_utterance_longer_than_the_budget_is_an_error_naming_it()
    {
        Utterance[] corpus = [.. Corpus(10), new Utterance("too-long", "/x.wav", "t") { Duration = 45 }];

        var e = Assert.Throws<ArgumentException>(() => new DurationBucketer(new BucketingOptions { MaxFramesPerBatch = 3000 }).Plan(corpus, 1, 0));

        Assert.Contains("exceed the budget of 3000 frames (30 s): 'too-long' (45 s) (1 in all)", e.Message);
    }

    [Fact]
    public void Utterances_without_a_duration_are_named()
    {
        Utterance[] corpus = [.. Corpus(3), new Utterance("unknown", "/x.wav", "t")];

        var e = Assert.Throws<ArgumentException>(() => Budgeted(1).Plan(corpus, 1, 0));

        Assert.Contains("utterances without a duration (validation measures it): 'unknown' (1 in all)", e.Message);
    }

    [Fact]
    public void Frames_round_up_without_floating_point_surprises()
    {
        DurationBucketer bucketer = Budgeted(1);

        Assert.Equal(300, bucketer.Frames(3.0));
        Assert.Equal(30, bucketer.Frames(0.1 + 0.2));
        Assert.Equal(301, bucketer.Frames(3.001));
        Assert.Equal(1, bucketer.Frames(0));
    }

    [Fact]
    public void Inconsistent_options_are_refused()
    {
        Assert.Throws<ArgumentException>(() => new DurationBucketer(new BucketingOptions()));
        Assert.Throws<ArgumentException>(() => new DurationBucketer(new BucketingOptions { BatchSize = 8, MaxFramesPerBatch = 100 }));
        Assert.Throws<ArgumentException>(() => new DurationBucketer(new BucketingOptions { BatchSize = 8, Boundaries = [5, 5] }));
        Assert.Throws<ArgumentException>(() => new DurationBucketer(new BucketingOptions { BatchSize = 8, BucketCount = 0 }));
        Assert.Throws<ArgumentException>(() => new DurationBucketer(new BucketingOptions { BatchSize = 8, FramesPerSecond = 0 }));
    }
}
