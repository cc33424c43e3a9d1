namespace Cluster.Speech.Tests.Audio;

/// <summary>Test signals and the measurements the audio tests make on them.</summary>
public static class Signal
{
    public static float[] Sine(double frequency, int sampleRate, double seconds, double amplitude = 0.5, double phase = 0)
    {
        var samples = new float[(int)Math.Round(seconds * sampleRate)];
        for (var i = 0; i < samples.Length; i++)
            samples[i] = (float)(amplitude * Math.Sin(2 * Math.PI * frequency * i / sampleRate + phase));
        return samples;
    }

    /// <summary>Channels given as separate arrays, interleaved frame by frame.</summary>
    public static float[] Interleave(params float[][] channels)
    {
        var frames = channels[0].Length;
        var result = new float[frames * channels.Length];
        for (var frame = 0; frame < frames; frame++)
            for (var channel = 0; channel < channels.Length; channel++)
                result[frame * channels.Length + channel] = channels[channel][frame];
        return result;
    }

    /// <summary>Uniform noise in [-amplitude, amplitude), reproducible from <paramref name="seed"/>.</summary>
    public static float[] Noise(int length, int seed, double amplitude = 0.9)
    {
        var random = new Random(seed);
        var samples = new float[length];
        for (var i = 0; i < length; i++) samples[i] = (float)((random.NextDouble() * 2 - 1) * amplitude);
        return samples;
    }

    /// <summary>Frequency of a clean tone from its zero crossings (two per period), ignoring the edges.</summary>
    public static double ZeroCrossingFrequency(ReadOnlySpan<float> samples, int sampleRate)
    {
        var edge = samples.Length / 20;
        var body = samples[edge..^edge];
        int first = -1, last = -1, crossings = 0;
        for (var i = 1; i < body.Length; i++)
        {
            if ((body[i - 1] < 0) == (body[i] < 0)) continue;
            if (first < 0) first = i;
            else crossings++;
            last = i;
        }
        return crossings / 2.0 / ((last - first) / (double)sampleRate);
    }

    /// <summary>Pearson correlation of two equally long signals.</summary>
    public static double Correlation(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double meanA = 0, meanB = 0;
        for (var i = 0; i < a.Length; i++) { meanA += a[i]; meanB += b[i]; }
        meanA /= a.Length;
        meanB /= b.Length;
        double ab = 0, aa = 0, bb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            var x = a[i] - meanA;
            var y = b[i] - meanB;
            ab += x * y;
            aa += x * x;
            bb += y * y;
        }
        return ab / Math.Sqrt(aa * bb);
    }

    /// <summary>Signal-to-noise ratio in dB of <paramref name="estimate"/> against <paramref name="reference"/>.</summary>
    public static double SnrDecibels(ReadOnlySpan<float> reference, ReadOnlySpan<float> estimate)
    {
        Assert.Equal(reference.Length, estimate.Length);
        double signal = 0, noise = 0;
        for (var i = 0; i < reference.Length; i++)
        {
            signal += (double)reference[i] * reference[i];
            var error = (double)reference[i] - estimate[i];
            noise += error * error;
        }
        return 10 * Math.Log10(signal / noise);
    }

    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double max = 0;
        for (var i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }

    /// <summary>One channel of interleaved frames.</summary>
    public static float[] Channel(float[] interleaved, int channels, int channel) =>
        Enumerable.Range(0, interleaved.Length / channels).Select(frame => interleaved[frame * channels + channel]).ToArray();
}
