using Cluster.Speech.Validation;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// Signal-level quality of an enhanced waveform against its clean reference, in dB, accumulated in double precision.
/// </summary>
public static class SignalMetrics
{
    private const double Epsilon = 1e-8;

    /// <summary>
    /// Scale-invariant SNR as ESPnet's loss and the golden files define it: both signals zero-mean,
    /// s_t = ⟨est, ref⟩/(|ref|² + 1e-8)·ref, e = est − s_t, SI-SNR = 10·log10(|s_t|²/(|e|² + 1e-8) + 1e-8).
    /// Blind to the estimate's level, so a model that outputs the right waveform at the wrong scale scores well here
    /// and badly in <see cref="Snr"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The signals are empty or differ in length.</exception>
    public static double SiSnr(ReadOnlySpan<float> estimate, ReadOnlySpan<float> reference)
    {
        RequireSameNonEmpty(estimate, reference);
        // Validation's streaming accumulator is this definition; sharing it keeps the two numbers identical.
        var accumulator = new SiSnrAccumulator();
        accumulator.Add(estimate, reference);
        return accumulator.Decibels();
    }

    /// <summary>
    /// Plain SNR, 10·log10(|ref|²/(|est − ref|² + 1e-8) + 1e-8), with the same guards as <see cref="SiSnr"/>: no mean
    /// removal and no rescaling, so a wrongly scaled or DC-shifted output counts as error.
    /// </summary>
    /// <exception cref="ArgumentException">The signals are empty or differ in length.</exception>
    public static double Snr(ReadOnlySpan<float> estimate, ReadOnlySpan<float> reference)
    {
        RequireSameNonEmpty(estimate, reference);
        double signal = 0, error = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            double y = reference[i], difference = estimate[i] - y;
            signal += y * y;
            error += difference * difference;
        }

        return 10 * Math.Log10(signal / (error + Epsilon) + Epsilon);
    }

    /// <summary>SI-SNR improvement: SI-SNR(estimate) − SI-SNR(mixture), both against the reference; 0 for a model
    /// that returns its input.</summary>
    /// <exception cref="ArgumentException">The signals are empty or differ in length.</exception>
    public static double SiSnrImprovement(ReadOnlySpan<float> estimate, ReadOnlySpan<float> mixture, ReadOnlySpan<float> reference) =>
        SiSnr(estimate, reference) - SiSnr(mixture, reference);

    private static void RequireSameNonEmpty(ReadOnlySpan<float> estimate, ReadOnlySpan<float> reference)
    {
        if (reference.IsEmpty) throw new ArgumentException("the reference has no samples", nameof(reference));
        if (estimate.Length != reference.Length)
            throw new ArgumentException($"the estimate has {estimate.Length} samples but the reference {reference.Length}", nameof(estimate));
    }
}
