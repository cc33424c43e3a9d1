using Cluster.Torch;

namespace Cluster.Speech.Models.Losses;

/// <summary>
/// Plain signal-to-noise ratio, 10·log10(|ref|²/(|est − ref|² + 1e-8) + 1e-8) dB: unlike <see cref="SiSnr"/>
/// it penalises a wrong gain or offset, for models whose output scale matters.
/// </summary>
public static class Snr
{
    private const double Epsilon = 1e-8;

    /// <summary>estimate and reference [..., N] (broadcastable) → SNR in dB [...].</summary>
    public static Tensor Compute(Tensor estimate, Tensor reference)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(reference);
        var noise = estimate - reference;  // [..., N]
        var ratio = (reference * reference).sum(-1) / ((noise * noise).sum(-1) + Epsilon);  // [...]
        return (ratio + Epsilon).log10() * 10;
    }
}
