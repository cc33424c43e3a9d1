using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

public sealed class SiSnrTests
{
    /// <summary>The definition, on whole arrays: zero-mean, s_t = ⟨est, ref⟩/(|ref|² + 1e-8)·ref, e = est − s_t.</summary>
    public static double Direct(float[] estimate, float[] reference)
    {
        double meanEstimate = estimate.Average(x => (double)x), meanReference = reference.Average(x => (double)x);
        double[] est = [.. estimate.Select(x => x - meanEstimate)], reff = [.. reference.Select(x => x - meanReference)];
        double dot = est.Zip(reff, (x, y) => x * y).Sum(), energy = reff.Sum(y => y * y);
        double[] target = [.. reff.Select(y => dot / (energy + 1e-8) * y)];
        double targetEnergy = target.Sum(t => t * t);
        double errorEnergy = est.Zip(target, (x, t) => (x - t) * (x - t)).Sum();
        return 10 * Math.Log10(targetEnergy / (errorEnergy + 1e-8) + 1e-8);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(5)]
    [InlineData(-5)]
    [InlineData(-36)]
    public void Chunked_sums_equal_the_definition(double snrDb)
    {
        float[] clean = SpeechLike.Generate(1.3, 16000, seed: 1);
        float[] noisy = SpeechLike.Add(clean, SpeechLike.NoiseAt(clean, snrDb, seed: 2));
        var accumulator = new SiSnrAccumulator();

        foreach (int start in Enumerable.Range(0, (noisy.Length + 999) / 1000).Select(chunk => chunk * 1000))
        {
            int end = Math.Min(start + 1000, noisy.Length);
            accumulator.Add(noisy.AsSpan(start..end), clean.AsSpan(start..end));
        }

        Assert.Equal(noisy.Length, accumulator.Count);
        Assert.Equal(Direct(noisy, clean), accumulator.Decibels(), 6);
        // At very low SNR the noise's chance projection onto the speech moves SI-SNR off the SNR by up to a dB or so.
        Assert.Equal(snrDb, accumulator.Decibels(), 1.5);
    }

    [Fact]
    public void Scale_and_offset_of_either_signal_do_not_change_it()
    {
        float[] clean = SpeechLike.Generate(1, 16000, seed: 3);
        float[] noisy = SpeechLike.Add(clean, SpeechLike.NoiseAt(clean, 3, seed: 4));

        double reference = Of(noisy, clean);

        // To float rounding of the transformed samples.
        Assert.Equal(reference, Of([.. noisy.Select(x => 0.01f * x + 0.2f)], clean), 4);
        Assert.Equal(reference, Of(noisy, [.. clean.Select(x => 30f * x - 0.1f)]), 4);
    }

    [Fact]
    public void An_orthogonal_error_a_tenth_of_the_power_is_10_dB()
    {
        // Over whole periods sin and cos are orthogonal and zero-mean.
        float[] reference = [.. Enumerable.Range(0, 16000).Select(i => (float)Math.Sin(2 * Math.PI * 50 * i / 16000))];
        float[] estimate = [.. Enumerable.Range(0, 16000).Select(i => reference[i] + (float)(Math.Sqrt(0.1) * Math.Cos(2 * Math.PI * 50 * i / 16000)))];

        Assert.Equal(10, Of(estimate, reference), 4);
    }

    [Fact]
    public void Nothing_added_is_NaN_and_unequal_spans_are_refused()
    {
        var accumulator = new SiSnrAccumulator();

        Assert.True(double.IsNaN(accumulator.Decibels()));
        Assert.Throws<ArgumentException>(() => accumulator.Add(new float[3], new float[4]));
    }

    private static double Of(float[] estimate, float[] reference)
    {
        var accumulator = new SiSnrAccumulator();
        accumulator.Add(estimate, reference);
        return accumulator.Decibels();
    }
}
