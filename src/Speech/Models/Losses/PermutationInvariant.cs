using Cluster.Torch;

namespace Cluster.Speech.Models.Losses;

/// <summary>
/// Permutation-invariant training (Yu et al., 2017): separated sources come out in no particular order, so each
/// batch item is scored under the pairing of estimates with references that maximises the mean metric.
/// </summary>
public static class PermutationInvariant
{
    /// <summary>
    /// estimate and reference [B, S, N]; <paramref name="metric"/> maps broadcast [..., N] pairs to scores [...]
    /// where higher is better (<see cref="SiSnr.Compute"/>, <see cref="Snr.Compute"/>). The loss is the negative
    /// metric averaged over batch and sources under each item's best pairing; the search sees no gradient, the
    /// loss does. Every permutation is tried for up to 3 sources; above that the Hungarian algorithm finds the
    /// same optimum in O(S³) instead of O(S!).
    /// </summary>
    public static PitResult Loss(Tensor estimate, Tensor reference, Func<Tensor, Tensor, Tensor> metric)
    {
        ArgumentNullException.ThrowIfNull(estimate);
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(metric);
        if (estimate.dim() != 3 || !estimate.shape.AsSpan().SequenceEqual(reference.shape))
            throw new ArgumentException(
                $"estimate and reference must both be [B, S, N]; got [{string.Join(", ", estimate.shape)}] and [{string.Join(", ", reference.shape)}]",
                nameof(reference));
        long batch = estimate.size(0), sources = estimate.size(1);

        // pairs[b, i, j]: estimate i scored against reference j.
        var pairs = metric(estimate.unsqueeze(2), reference.unsqueeze(1));  // [B, S, S]
        float[] scores;
        using (var detached = pairs.detach())
        using (var onHost = detached.to(torch.float32, Device.CPU))
            scores = onHost.ToArray<float>();

        var permutations = new int[batch][];
        var chosen = new long[batch * sources];
        for (var b = 0; b < batch; b++)
        {
            var matrix = new double[sources, sources];
            for (var i = 0; i < sources; i++)
                for (var j = 0; j < sources; j++)
                    matrix[i, j] = scores[(b * sources + i) * sources + j];
            permutations[b] = BestAssignment.Maximising(matrix);
            for (var i = 0; i < sources; i++) chosen[b * sources + i] = permutations[b][i];
        }

        using var index = torch.tensor(chosen, new long[] { batch, sources, 1 }, pairs.device);
        var matched = pairs.gather(2, index);  // [B, S, 1]
        return new PitResult(-matched.mean(), permutations);
    }
}
