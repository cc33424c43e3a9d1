using Cluster.Speech.Evaluation;
using Cluster.Speech.Tests.Validation;

namespace Cluster.Speech.Tests.Evaluation;

public sealed class SignalMetricsTests
{
    [Theory]
    [InlineData(20)]
    [InlineData(0)]
    [InlineData(-10)]
    public void Noise_orthogonal_to_the_signal_gives_exactly_the_mixing_SNR(double snrDb)
    {
        float[] clean = SpeechLike.Generate(2, 16000, seed: 5);
        float[] noise = Orthogonal(SpeechLike.NoiseAt(clean, 0, seed: 6), clean);
        float[] noisy = Mix(clean, noise, snrDb);

        Assert.Equal(snrDb, SignalMetrics.SiSnr(noisy, clean), 3);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(10)]
    [InlineData(5)]
    public void Random_noise_over_a_long_signal_is_within_a_hundredth_of_a_dB(double snrDb)
    {
        // A minute of audio: the noise's chance projection onto the speech, which SI-SNR counts as signal, shrinks
        // as 1/√N and is then worth less than 0.01 dB at these SNRs (it grows as the noise gets louder).
        float[] clean = SpeechLike.Generate(60, 16000, seed: 7);
        float[] noisy = Mix(clean, SpeechLike.NoiseAt(clean, 0, seed: 8), snrDb);

        Assert.Equal(snrDb, SignalMetrics.SiSnr(noisy, clean), 0.01);
        Assert.Equal(snrDb, SignalMetrics.Snr(noisy, clean), 0.01);
    }

    [Fact]
    public void Equals_the_definition_and_validation_accumulator()
    {
        float[] clean = SpeechLike.Generate(1.3, 16000, seed: 1);
        float[] noisy = SpeechLike.Add(clean, SpeechLike.NoiseAt(clean, 3, seed: 2));

        Assert.Equal(SiSnrTests.Direct(noisy, clean), SignalMetrics.SiSnr(noisy, clean), 6);
    }

    [Fact]
    public void SI_SNR_ignores_scale_and_offset_but_SNR_does_not()
    {
        float[] clean = SpeechLike.Generate(1, 16000, seed: 3);
        float[] noisy = SpeechLike.Add(clean, SpeechLike.NoiseAt(clean, 3, seed: 4));
        float[] scaled = [.. noisy.Select(x => 0.05f * x + 0.1f)];

        Assert.Equal(SignalMetrics.SiSnr(noisy, clean), SignalMetrics.SiSnr(scaled, clean), 4);
        Assert.Equal(SignalMetrics.SiSnr(noisy, clean), SignalMetrics.SiSnr(noisy, [.. clean.Select(x => 7f * x)]), 4);
        Assert.True(SignalMetrics.Snr(scaled, clean) < 0.5, "a mis-scaled output is mostly error to plain SNR");
    }

    [Fact]
    public void Identity_improves_nothing_and_the_oracle_is_near_the_epsilon_ceiling()
    {
        float[] clean = SpeechLike.Generate(1, 16000, seed: 9);
        float[] noisy = SpeechLike.Add(clean, SpeechLike.NoiseAt(clean, 0, seed: 10));

        Assert.Equal(0, SignalMetrics.SiSnrImprovement(noisy, noisy, clean));
        // The 1e-8 guards cap a perfect estimate at 10·log10(|ref|²/1e-8), about 100 dB for this clip.
        double oracle = SignalMetrics.SiSnr(clean, clean);
        Assert.InRange(oracle, 90, 120);
        Assert.InRange(SignalMetrics.SiSnrImprovement(clean, noisy, clean), 90, 120);
        Assert.InRange(SignalMetrics.Snr(clean, clean), 90, 120);
    }

    [Fact]
    public void Empty_or_unequal_signals_are_refused()
    {
        Assert.Throws<ArgumentException>(() => SignalMetrics.SiSnr([], []));
        Assert.Throws<ArgumentException>(() => SignalMetrics.Snr(new float[3], new float[4]));
        Assert.Throws<ArgumentException>(() => SignalMetrics.SiSnrImprovement(new float[4], new float[3], new float[4]));
    }

    /// <summary>The noise made zero-mean and orthogonal to the zero-mean signal, so SI-SNR's projection finds none
    /// of it in the target.</summary>
    private static float[] Orthogonal(float[] noise, float[] signal)
    {
        double noiseMean = noise.Average(x => (double)x), signalMean = signal.Average(x => (double)x);
        double[] s = [.. signal.Select(x => x - signalMean)];
        double[] n = [.. noise.Select(x => x - noiseMean)];
        double projection = n.Zip(s, (a, b) => a * b).Sum() / s.Sum(x => x * x);
        return [.. n.Zip(s, (a, b) => (float)(a - projection * b))];
    }

    /// <summary>clean + noise scaled so that the clean-to-noise power ratio is exactly <paramref name="snrDb"/>.</summary>
    private static float[] Mix(float[] clean, float[] noise, double snrDb)
    {
        double cleanPower = clean.Sum(x => (double)x * x), noisePower = noise.Sum(x => (double)x * x);
        double gain = Math.Sqrt(cleanPower / noisePower / Math.Pow(10, snrDb / 10));
        return SpeechLike.Add(clean, noise, scaleB: gain);
    }
}
