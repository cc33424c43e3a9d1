namespace Cluster.Speech.Validation;

/// <summary>
/// What validation measures of a signal, accumulated chunk by chunk in one pass so that a file is never held in
/// memory whole: its length, NaN/Inf samples, peak and clipped samples.
/// </summary>
internal sealed class SignalStatistics(double clipLevel)
{
    public long Samples { get; private set; }

    public long NonFinite { get; private set; }

    /// <summary>Index of the first NaN/Inf sample; -1 when there is none.</summary>
    public long FirstNonFinite { get; private set; } = -1;

    /// <summary>The largest |sample| among the finite ones.</summary>
    public double Peak { get; private set; }

    /// <summary>Finite samples with |x| at or above the clip level.</summary>
    public long Clipped { get; private set; }

    public double ClippedFraction => Samples == 0 ? 0 : (double)Clipped / Samples;

    public void Add(ReadOnlySpan<float> samples)
    {
        double peak = Peak;
        long clipped = 0;
        for (int i = 0; i < samples.Length; i++)
        {
            float sample = samples[i];
            if (!float.IsFinite(sample))
            {
                if (FirstNonFinite < 0) FirstNonFinite = Samples + i;
                NonFinite++;
                continue;
            }

            double magnitude = Math.Abs(sample);
            if (magnitude > peak) peak = magnitude;
            if (magnitude >= clipLevel) clipped++;
        }

        Peak = peak;
        Clipped += clipped;
        Samples += samples.Length;
    }
}
