namespace Cluster.Speech.Data;

/// <summary>
/// Mixes clean speech with noise on the fly at a signal-to-noise ratio drawn uniformly from [min, max] dB, so each
/// epoch sees new mixtures of the same recordings.
/// </summary>
public sealed class NoiseMixer
{
    public NoiseMixer(double minSnrDb, double maxSnrDb)
    {
        if (!(double.IsFinite(minSnrDb) && double.IsFinite(maxSnrDb) && minSnrDb <= maxSnrDb))
            throw new ArgumentException($"the SNR range [{minSnrDb}, {maxSnrDb}] dB must be finite with min <= max");
        MinSnrDb = minSnrDb;
        MaxSnrDb = maxSnrDb;
    }

    public double MinSnrDb { get; }

    public double MaxSnrDb { get; }

    /// <summary>
    /// Draws the SNR, then a noise window of the clean length (a contiguous window when the noise is long enough; the
    /// noise looped from a random start when it is shorter), and scales the window so that 10·log10(P_clean/P_noise)
    /// is exactly the SNR, with power the mean square over the clean signal and the window. The mixture is not
    /// clipped: models take float input and normalise it, and clipping would break the SNR just set.
    /// </summary>
    /// <param name="rng">Per-example, from <see cref="SplitMix64.ForExample"/>, so the mixture does not depend on
    /// which worker makes it.</param>
    /// <exception cref="ArgumentException">A signal is empty, silent (the SNR is undefined) or not finite.</exception>
    public MixedExample Mix(float[] clean, float[] noise, SplitMix64 rng)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(noise);
        ArgumentNullException.ThrowIfNull(rng);
        if (clean.Length == 0) throw new ArgumentException("clean speech is empty", nameof(clean));
        if (noise.Length == 0) throw new ArgumentException("noise is empty", nameof(noise));

        double snrDb = MinSnrDb + (MaxSnrDb - MinSnrDb) * rng.NextDouble();
        int offset = noise.Length >= clean.Length ? rng.NextInt(noise.Length - clean.Length + 1) : rng.NextInt(noise.Length);
        float[] window = new float[clean.Length];
        for (int i = 0; i < window.Length; i++) window[i] = noise[(offset + i) % noise.Length];

        double cleanPower = Power(clean, nameof(clean), "clean speech");
        double noisePower = Power(window, nameof(noise), "the noise window");
        double gain = Math.Sqrt(cleanPower / (noisePower * Math.Pow(10, snrDb / 10)));
        float[] mixture = new float[clean.Length];
        for (int i = 0; i < mixture.Length; i++) mixture[i] = clean[i] + (float)(gain * window[i]);
        return new MixedExample(mixture, (float[])clean.Clone(), snrDb, offset);
    }

    private static double Power(float[] signal, string parameter, string what)
    {
        double sum = 0;
        foreach (float sample in signal) sum += (double)sample * sample;
        double power = sum / signal.Length;
        if (!double.IsFinite(power)) throw new ArgumentException($"{what} holds NaN or infinite samples", parameter);
        if (power == 0) throw new ArgumentException($"{what} is silent, so no gain gives a finite SNR", parameter);
        return power;
    }
}
