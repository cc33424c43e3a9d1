using Cluster.Speech.Data;

namespace Cluster.Speech.Synthesis;

/// <summary>
/// Deterministic noises for enhancement corpora, each returned at unit RMS so the mixer alone sets
/// the SNR: white and pink (Paul Kellet's filter) Gaussian noise, tones (a few steady sinusoids, like
/// mains hum or a fan whine) and babble (other utterances overlapping).
/// </summary>
public static class NoiseGenerator
{
    public static float[] Generate(NoiseKind kind, int length, int sampleRate, SplitMix64 rng, IReadOnlyList<float[]>? talkers = null) => kind switch
    {
        NoiseKind.White => White(length, rng),
        NoiseKind.Pink => Pink(length, rng),
        NoiseKind.Tones => Tones(length, sampleRate, rng),
        NoiseKind.Babble => Babble(talkers ?? throw new ArgumentException("babble noise needs other utterances to talk over", nameof(talkers)), length, rng),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown noise kind"),
    };

    public static float[] White(int length, SplitMix64 rng)
    {
        var noise = new float[length];
        for (var i = 0; i < length; i++) noise[i] = (float)Gaussian(rng);
        return Normalized(noise);
    }

    /// <summary>1/f noise: white noise through Paul Kellet's refined pink filter (accurate to ±0.05 dB above 9 Hz).</summary>
    public static float[] Pink(int length, SplitMix64 rng)
    {
        var noise = new float[length];
        double b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
        for (var i = 0; i < length; i++)
        {
            var white = Gaussian(rng);
            b0 = 0.99886 * b0 + white * 0.0555179;
            b1 = 0.99332 * b1 + white * 0.0750759;
            b2 = 0.96900 * b2 + white * 0.1538520;
            b3 = 0.86650 * b3 + white * 0.3104856;
            b4 = 0.55000 * b4 + white * 0.5329522;
            b5 = -0.7616 * b5 - white * 0.0168980;
            noise[i] = (float)(b0 + b1 + b2 + b3 + b4 + b5 + b6 + white * 0.5362);
            b6 = white * 0.115926;
        }
        return Normalized(noise);
    }

    /// <summary>One to three sinusoids between 50 Hz and 4 kHz with random phases and levels.</summary>
    public static float[] Tones(int length, int sampleRate, SplitMix64 rng)
    {
        var noise = new float[length];
        var count = 1 + rng.NextInt(3);
        for (var t = 0; t < count; t++)
        {
            var frequency = 50 * Math.Pow(80, rng.NextDouble()); // log-uniform over 50 Hz .. 4 kHz
            var phase = rng.NextDouble() * 2 * Math.PI;
            var level = 0.3 + 0.7 * rng.NextDouble();
            var step = 2 * Math.PI * frequency / sampleRate;
            for (var i = 0; i < length; i++) noise[i] += (float)(level * Math.Sin(phase + step * i));
        }
        return Normalized(noise);
    }

    /// <summary>Three to five other talkers, each looped from a random offset and at a random level.</summary>
    public static float[] Babble(IReadOnlyList<float[]> talkers, int length, SplitMix64 rng)
    {
        var usable = talkers.Where(t => t.Length > 0).ToList();
        if (usable.Count == 0) throw new ArgumentException("babble noise needs at least one non-empty utterance", nameof(talkers));
        var noise = new float[length];
        var count = Math.Min(usable.Count, 3 + rng.NextInt(3));
        for (var k = 0; k < count; k++)
        {
            var talker = usable[rng.NextInt(usable.Count)];
            var offset = rng.NextInt(talker.Length);
            var level = (float)(0.5 + 0.5 * rng.NextDouble());
            for (var i = 0; i < length; i++) noise[i] += level * talker[(offset + i) % talker.Length];
        }
        return Normalized(noise);
    }

    /// <summary>Standard normal by Box–Muller, from the deterministic generator.</summary>
    private static double Gaussian(SplitMix64 rng)
    {
        var u1 = 1.0 - rng.NextDouble(); // (0, 1]: log stays finite
        var u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    private static float[] Normalized(float[] noise)
    {
        double power = 0;
        foreach (var x in noise) power += (double)x * x;
        var rms = Math.Sqrt(power / Math.Max(1, noise.Length));
        if (rms <= 0) return noise;
        var scale = (float)(1 / rms);
        for (var i = 0; i < noise.Length; i++) noise[i] *= scale;
        return noise;
    }
}
