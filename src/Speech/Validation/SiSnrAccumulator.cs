namespace Cluster.Speech.Validation;

/// <summary>
/// SI-SNR of an estimate against a reference, from running sums so that two long recordings can be streamed side by
/// side. With both signals made zero-mean: s_t = ⟨est, ref⟩/(|ref|² + 1e-8)·ref, e = est − s_t,
/// SI-SNR = 10·log10(|s_t|²/(|e|² + 1e-8) + 1e-8), the definition ESPnet's loss uses.
/// </summary>
internal sealed class SiSnrAccumulator
{
    private const double Epsilon = 1e-8;

    private double _sumEstimate;
    private double _sumReference;
    private double _sumEstimateSquared;
    private double _sumReferenceSquared;
    private double _sumProduct;

    public long Count { get; private set; }

    /// <summary>Adds the next stretch of both signals; the spans must be equally long.</summary>
    public void Add(ReadOnlySpan<float> estimate, ReadOnlySpan<float> reference)
    {
        if (estimate.Length != reference.Length)
            throw new ArgumentException($"the estimate has {estimate.Length} samples but the reference {reference.Length}", nameof(reference));
        for (int i = 0; i < estimate.Length; i++)
        {
            double x = estimate[i], y = reference[i];
            _sumEstimate += x;
            _sumReference += y;
            _sumEstimateSquared += x * x;
            _sumReferenceSquared += y * y;
            _sumProduct += x * y;
        }

        Count += estimate.Length;
    }

    /// <summary>The SI-SNR in dB of everything added; NaN when nothing was.</summary>
    public double Decibels()
    {
        if (Count == 0) return double.NaN;
        double meanEstimate = _sumEstimate / Count, meanReference = _sumReference / Count;
        // Sums of the zero-mean signals, expanded: Σ(x−m)(y−n) = Σxy − N·m·n. Rounding can push an energy a hair
        // below zero when a signal is constant, hence the clamps.
        double dot = _sumProduct - Count * meanEstimate * meanReference;
        double referenceEnergy = Math.Max(0, _sumReferenceSquared - Count * meanReference * meanReference);
        double estimateEnergy = Math.Max(0, _sumEstimateSquared - Count * meanEstimate * meanEstimate);
        double scale = dot / (referenceEnergy + Epsilon);
        double targetEnergy = scale * scale * referenceEnergy;
        // |est − s_t|² = |est|² − 2·scale·⟨est, ref⟩ + scale²·|ref|².
        double errorEnergy = Math.Max(0, estimateEnergy - 2 * scale * dot + targetEnergy);
        return 10 * Math.Log10(targetEnergy / (errorEnergy + Epsilon) + Epsilon);
    }
}
