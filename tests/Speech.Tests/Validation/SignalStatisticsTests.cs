using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

public sealed class SignalStatisticsTests
{
    [Fact]
    public void Measures_length_non_finite_samples_peak_and_clipping()
    {
        var statistics = new SignalStatistics(clipLevel: 0.999);

        statistics.Add([0.1f, -0.5f, float.NaN, 1f]);
        statistics.Add([-1f, float.NegativeInfinity, 0.9989f, -0.9995f]);

        Assert.Equal(8, statistics.Samples);
        Assert.Equal(2, statistics.NonFinite);
        Assert.Equal(2, statistics.FirstNonFinite);
        Assert.Equal(1, statistics.Peak);
        Assert.Equal(3, statistics.Clipped);
        Assert.Equal(3.0 / 8, statistics.ClippedFraction);
    }

    [Fact]
    public void Chunks_of_any_size_give_what_one_pass_gives()
    {
        float[] signal = SpeechLike.Generate(1, 16000, seed: 5, peak: 1.2f);
        signal[12345] = float.NaN;
        var whole = new SignalStatistics(0.999);
        whole.Add(signal);

        var chunked = new SignalStatistics(0.999);
        for (int start = 0; start < signal.Length; start += 777) chunked.Add(signal.AsSpan(start, Math.Min(777, signal.Length - start)));

        Assert.Equal((whole.Samples, whole.NonFinite, whole.FirstNonFinite, whole.Peak, whole.Clipped),
            (chunked.Samples, chunked.NonFinite, chunked.FirstNonFinite, chunked.Peak, chunked.Clipped));
        Assert.Equal(12345, chunked.FirstNonFinite);
        Assert.True(chunked.Clipped > 0);
    }

    [Fact]
    public void Empty_audio_has_no_clipped_fraction_and_no_non_finite_sample()
    {
        var statistics = new SignalStatistics(0.999);

        statistics.Add([]);

        Assert.Equal(0, statistics.ClippedFraction);
        Assert.Equal(-1, statistics.FirstNonFinite);
        Assert.Equal(0, statistics.Peak);
    }
}
