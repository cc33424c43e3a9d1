namespace Cluster.Speech.Tests.Validation;

/// <summary>
/// Signals with the traits validation cares about in speech: voiced syllables (a harmonic series on a wandering pitch,
/// with formant-like emphasis) under raised-cosine envelopes, pauses between them, and a faint noise floor. The pitch
/// and syllable timing are random, so a copy shifted by a fraction of a second is nearly uncorrelated with the original,
/// as real speech is.
/// </summary>
internal static class SpeechLike
{
    public static float[] Generate(double seconds, int sampleRate, int seed, double peak = 0.5)
    {
        var random = new Random(seed);
        int length = (int)Math.Round(seconds * sampleRate);
        var signal = new double[length];
        double basePitch = 100 + 120 * random.NextDouble();
        double vibratoPhase = 2 * Math.PI * random.NextDouble(), driftPhase = 2 * Math.PI * random.NextDouble();
        double phase = 0;
        int position = (int)(0.05 * sampleRate);
        while (position < length)
        {
            int syllable = (int)((0.12 + 0.23 * random.NextDouble()) * sampleRate);
            double firstFormant = 300 + 500 * random.NextDouble(), secondFormant = 900 + 1300 * random.NextDouble();
            double loudness = 0.5 + 0.5 * random.NextDouble();
            for (int i = 0; i < syllable && position + i < length; i++)
            {
                double time = (double)(position + i) / sampleRate;
                double pitch = basePitch * (1 + 0.12 * Math.Sin(2 * Math.PI * 0.9 * time + vibratoPhase) + 0.06 * Math.Sin(2 * Math.PI * 2.3 * time + driftPhase));
                phase += 2 * Math.PI * pitch / sampleRate;
                double envelope = loudness * 0.5 * (1 - Math.Cos(2 * Math.PI * i / syllable));
                double sum = 0;
                for (int harmonic = 1; harmonic * pitch < 4000; harmonic++)
                {
                    double frequency = harmonic * pitch;
                    double weight = (1.0 / harmonic) * (1 + 3 * Bump(frequency, firstFormant, 150) + 2 * Bump(frequency, secondFormant, 250));
                    sum += weight * Math.Sin(harmonic * phase);
                }

                signal[position + i] = envelope * sum;
            }

            position += syllable + (int)((0.03 + 0.17 * random.NextDouble()) * sampleRate);
        }

        double max = signal.Max(Math.Abs);
        var result = new float[length];
        for (int i = 0; i < length; i++) result[i] = (float)(peak * signal[i] / max + peak * 2e-3 * (random.NextDouble() * 2 - 1));
        return result;
    }

    /// <summary>Gaussian noise with the power that puts it <paramref name="snrDb"/> below <paramref name="signal"/>.</summary>
    public static float[] NoiseAt(float[] signal, double snrDb, int seed)
    {
        var random = new Random(seed);
        double power = signal.Average(x => (double)x * x);
        double deviation = Math.Sqrt(power / Math.Pow(10, snrDb / 10));
        var noise = new float[signal.Length];
        for (int i = 0; i < noise.Length; i++)
        {
            // Box–Muller.
            double u = 1 - random.NextDouble(), v = random.NextDouble();
            noise[i] = (float)(deviation * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v));
        }

        return noise;
    }

    public static float[] Add(float[] a, float[] b, double scaleA = 1, double scaleB = 1) =>
        [.. a.Zip(b, (x, y) => (float)(scaleA * x + scaleB * y))];

    private static double Bump(double frequency, double center, double width) =>
        Math.Exp(-Math.Pow((frequency - center) / width, 2));
}
