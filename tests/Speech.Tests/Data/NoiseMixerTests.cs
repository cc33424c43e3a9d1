using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public class NoiseMixerTests
{
    private static float[] Sine(int length, double frequency, double amplitude) =>
        [.. Enumerable.Range(0, length).Select(i => (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / 16_000)))];

    private static float[] Noise(int length, ulong seed)
    {
        var rng = new SplitMix64(seed);
        return [.. Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() * 2 - 1))];
    }

    private static double Power(IEnumerable<double> samples) => samples.Average(s => s * s);

    /// <summary>The SNR of a mixture, measured from its arrays: the noise is what the mixture adds to the clean speech.</summary>
    private static double MeasuredSnrDb(MixedExample example) =>
        10 * Math.Log10(Power(example.Clean.Select(s => (double)s))
            / Power(example.Mixture.Zip(example.Clean, (m, c) => (double)m - c)));

    [Theory]
    [InlineData(48_000)] // noise longer than the speech: a contiguous window
    [InlineData(5_000)] // noise shorter than the speech: looped
    public void The_mixture_has_the_drawn_snr(int noiseLength)
    {
        var mixer = new NoiseMixer(-5, 20);
        float[] clean = Sine(16_000, 220, 0.3);
        float[] noise = Noise(noiseLength, 4);

        for (int example = 0; example < 50; example++)
        {
            MixedExample mixed = mixer.Mix(clean, noise, SplitMix64.ForExample(7, 0, example));

            Assert.InRange(mixed.SnrDb, -5, 20);
            Assert.Equal(mixed.SnrDb, MeasuredSnrDb(mixed), 1e-3);
            Assert.Equal(clean, mixed.Clean);
        }
    }

    [Fact]
    public void Snrs_spread_over_the_whole_range()
    {
        var mixer = new NoiseMixer(0, 10);
        float[] clean = Sine(1600, 440, 0.5);
        float[] noise = Noise(3200, 1);

        double[] snrs = [.. Enumerable.Range(0, 400).Select(i => mixer.Mix(clean, noise, SplitMix64.ForExample(1, 0, i)).SnrDb)];

        Assert.InRange(snrs.Min(), 0, 0.5);
        Assert.InRange(snrs.Max(), 9.5, 10);
        Assert.InRange(snrs.Average(), 4.5, 5.5);
        Assert.Equal(3, new NoiseMixer(3, 3).Mix(clean, noise, new SplitMix64(0)).SnrDb);
    }

    [Fact]
    public void Short_noise_is_looped_from_a_random_start()
    {
        float[] clean = Sine(1000, 440, 0.5);
        float[] noise = Noise(300, 2);

        MixedExample mixed = new NoiseMixer(10, 10).Mix(clean, noise, new SplitMix64(5));

        // The gain from the loudest noise sample, where rounding in the mixture matters least.
        int loudest = Enumerable.Range(0, noise.Length).MaxBy(i => Math.Abs(noise[(mixed.NoiseOffset + i) % noise.Length]));
        double gain = (mixed.Mixture[loudest] - clean[loudest]) / noise[(mixed.NoiseOffset + loudest) % noise.Length];
        for (int i = 0; i < clean.Length; i++)
            Assert.Equal(gain * noise[(mixed.NoiseOffset + i) % noise.Length], mixed.Mixture[i] - clean[i], 1e-5);
    }

    [Fact]
    public void The_same_example_mixes_identically_whichever_order_examples_are_made_in()
    {
        var mixer = new NoiseMixer(-5, 5);
        float[] clean = Sine(4000, 300, 0.2);
        float[] noise = Noise(10_000, 3);

        MixedExample[] forward = [.. Enumerable.Range(0, 10).Select(i => mixer.Mix(clean, noise, SplitMix64.ForExample(11, 4, i)))];
        MixedExample[] backward = [.. Enumerable.Range(0, 10).Reverse().Select(i => mixer.Mix(clean, noise, SplitMix64.ForExample(11, 4, i))).Reverse()];

        for (int i = 0; i < forward.Length; i++)
        {
            Assert.Equal(forward[i].SnrDb, backward[i].SnrDb);
            Assert.Equal(forward[i].NoiseOffset, backward[i].NoiseOffset);
            Assert.Equal(forward[i].Mixture, backward[i].Mixture);
        }

        Assert.NotEqual(forward[0].SnrDb, mixer.Mix(clean, noise, SplitMix64.ForExample(11, 5, 0)).SnrDb);
    }

    [Fact]
    public void Silent_or_broken_signals_are_refused()
    {
        var mixer = new NoiseMixer(0, 10);
        float[] clean = Sine(1000, 440, 0.5);

        Assert.Contains("the noise window is silent", Assert.Throws<ArgumentException>(() => mixer.Mix(clean, new float[2000], new SplitMix64(0))).Message);
        Assert.Contains("clean speech is silent", Assert.Throws<ArgumentException>(() => mixer.Mix(new float[1000], Noise(2000, 1), new SplitMix64(0))).Message);
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => mixer.Mix([1, float.NaN], Noise(10, 1), new SplitMix64(0))).Message);
        Assert.Throws<ArgumentException>(() => mixer.Mix([], Noise(10, 1), new SplitMix64(0)));
        Assert.Throws<ArgumentException>(() => new NoiseMixer(10, 0));
    }
}
