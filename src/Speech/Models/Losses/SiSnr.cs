using Cluster.Torch;

namespace Cluster.Speech.Models.Losses;

/// <summary>
/// Scale-invariant signal-to-noise ratio as a differentiable tensor function, ESPnet's definition: with both
/// signals made zero-mean, s_t = ⟨est, ref⟩/(|ref|² + 1e-8)·ref, e = est − s_t and
/// SI-SNR = 10·log10(|s_t|²/(|e|² + 1e-8) + 1e-8) dB.
/// </summary>
public static class SiSnr
{
    private const double Epsilon = 1e-8;

    /// <summary>estimate and reference [..., N] (broadcastable) → SI-SNR in dB [...].</summary>
    public static Tensor Compute(Tensor estimate, Tensor reference)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(reference);
        var est = estimate - estimate.mean(-1, keepdim: true);  // [..., N]
        var refer = reference - reference.mean(-1, keepdim: true);  // [..., N]
        var scale = (est * refer).sum(-1, keepdim: true) / ((refer * refer).sum(-1, keepdim: true) + Epsilon);  // [..., 1]
        var target = scale * refer;  // [..., N]
        var error = est - target;  // [..., N]
        var ratio = (target * target).sum(-1) / ((error * error).sum(-1) + Epsilon);  // [...]
        return (ratio + Epsilon).log10() * 10;
    }

    /// <summary>
    /// Negative SI-SNR averaged over every leading index, estimate i against reference i (no permutation
    /// search): the training loss of one source, or of several whose order is already known.
    /// </summary>
    public static Tensor Loss(Tensor estimate, Tensor reference) => -Compute(estimate, reference).mean();
}
