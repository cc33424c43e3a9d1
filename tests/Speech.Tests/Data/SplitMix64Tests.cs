using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public class SplitMix64Tests
{
    [Fact]
    public void Matches_the_reference_outputs_for_seed_1234567()
    {
        // Rosetta Code, "Pseudo-random numbers/Splitmix64", from the reference C implementation.
        var rng = new SplitMix64(1234567);

        Assert.Equal(
            [6457827717110365317UL, 3203168211198807973UL, 9817491932198370423UL, 4593380528125082431UL, 16408922859458223821UL],
            Enumerable.Range(0, 5).Select(_ => rng.NextUInt64()));
    }

    [Fact]
    public void Bounded_integers_stay_in_range_and_cover_it_evenly()
    {
        var rng = new SplitMix64(7);
        int[] counts = new int[10];
        for (int i = 0; i < 100_000; i++) counts[rng.NextInt(10)]++;

        // Each expected 10 000 with a standard deviation near 95; 500 is over five of them.
        Assert.All(counts, count => Assert.InRange(count, 9_500, 10_500));
        Assert.Equal(0, new SplitMix64(1).NextInt(1));
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Fact]
    public void Doubles_lie_in_the_unit_interval_with_the_right_mean()
    {
        var rng = new SplitMix64(11);
        double[] values = [.. Enumerable.Range(0, 100_000).Select(_ => rng.NextDouble())];

        Assert.All(values, v => Assert.InRange(v, 0, Math.BitDecrement(1.0)));
        Assert.InRange(values.Average(), 0.495, 0.505);
    }

    [Fact]
    public void Derived_streams_depend_on_every_part_of_the_path()
    {
        ulong First(SplitMix64 rng) => rng.NextUInt64();

        Assert.Equal(First(SplitMix64.Derive(42, 1, 2)), First(SplitMix64.Derive(42, 1, 2)));
        ulong[] distinct =
        [
            First(SplitMix64.Derive(42, 1, 2)), First(SplitMix64.Derive(42, 2, 1)), First(SplitMix64.Derive(43, 1, 2)),
            First(SplitMix64.Derive(42, 1)), First(SplitMix64.Derive(42, 1, 2, 0)), First(SplitMix64.ForExample(42, 1, 2)),
        ];
        Assert.Equal(distinct.Length, distinct.Distinct().Count());
    }

    [Fact]
    public void Shuffling_permutes_and_is_reproducible()
    {
        int[] a = [.. Enumerable.Range(0, 100)];
        int[] b = [.. Enumerable.Range(0, 100)];

        new SplitMix64(5).Shuffle(a.AsSpan());
        new SplitMix64(5).Shuffle(b.AsSpan());

        Assert.Equal(a, b);
        Assert.NotEqual(Enumerable.Range(0, 100), a);
        Assert.Equal(Enumerable.Range(0, 100), a.Order());
    }
}
