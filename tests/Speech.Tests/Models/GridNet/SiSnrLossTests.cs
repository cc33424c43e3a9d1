using Cluster.Speech.Models.Losses;
using Cluster.Speech.Tests.Validation;
using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests.Models.GridNet;

[Collection(GlobalRandomCollection.Name)]
public sealed class SiSnrLossTests
{
    [Fact]
    public void Matches_the_definition_computed_in_double_precision()
    {
        using var scope = NewDisposeScope();
        manual_seed(1);
        var reference = randn(3, 2000);
        var estimate = reference * 0.7 + randn(3, 2000) * 0.4 + 0.3;

        var values = SiSnr.Compute(estimate, reference).ToArray<float>();

        for (var i = 0; i < 3; i++)
            Assert.Equal(SiSnrTests.Direct(estimate[i].ToArray<float>(), reference[i].ToArray<float>()), values[i], 1e-4);
    }

    [Theory]
    [InlineData(0.01)]
    [InlineData(30.0)]
    public void Scaling_either_signal_leaves_it_unchanged(double gain)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var reference = randn(2, 4000);
        var estimate = reference + randn(2, 4000) * 0.5;

        var baseline = SiSnr.Compute(estimate, reference);

        Assert.True(SiSnr.Compute(estimate * gain, reference).allclose(baseline, rtol: 0, atol: 1e-4));
        Assert.True(SiSnr.Compute(estimate, reference * gain).allclose(baseline, rtol: 0, atol: 1e-4));
    }

    [Theory]
    [InlineData(20.0)]
    [InlineData(5.0)]
    [InlineData(-5.0)]
    public void White_noise_orthogonal_to_the_signal_at_a_set_SNR_gives_that_SNR(double snrDb)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var signal = randn(1, 8000);
        signal -= signal.mean(-1, keepdim: true);
        // Zero-mean noise with its projection on the signal removed, so that neither the scale fit nor the
        // mean removal of SI-SNR can absorb any of it: the ratio is then exactly the energy ratio.
        var noise = randn(1, 8000);
        noise -= noise.mean(-1, keepdim: true);
        noise -= (noise * signal).sum(-1, keepdim: true) / (signal * signal).sum(-1, keepdim: true) * signal;
        noise *= ((signal * signal).sum() / (noise * noise).sum() / Math.Pow(10, snrDb / 10)).sqrt();

        Assert.Equal(snrDb, SiSnr.Compute(signal + noise, signal).item<float>(), 1e-3);
        Assert.Equal(snrDb, Snr.Compute(signal + noise, signal).item<float>(), 1e-3);
    }

    [Fact]
    public void Snr_unlike_SiSnr_penalises_a_wrong_gain()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var signal = randn(1, 8000);

        // A gain of 1/2 leaves an error of half the signal: 10·log10(4) ≈ 6.02 dB.
        Assert.Equal(10 * Math.Log10(4), Snr.Compute(signal * 0.5, signal).item<float>(), 1e-3);
        Assert.True(SiSnr.Compute(signal * 0.5, signal).item<float>() > 70);
    }

    [Fact]
    public void Loss_is_the_negative_mean_over_batch_and_sources()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var reference = randn(2, 3, 1000);
        var estimate = reference + randn(2, 3, 1000);

        Assert.Equal(-SiSnr.Compute(estimate, reference).mean().item<float>(), SiSnr.Loss(estimate, reference).item<float>(), 1e-5);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void Pit_undoes_a_shuffle_of_the_references(int sources)
    {
        using var scope = NewDisposeScope();
        manual_seed(6);
        var clean = randn(3, sources, 1000);
        var estimate = clean + randn(3, sources, 1000) * 0.3;
        // Item b's references are rolled by b + 1 positions: reference j holds source (j − b − 1) mod S.
        var shuffled = stack([.. Enumerable.Range(0, 3).Select(b => clean[b].roll([b + 1], [0]))]);

        var pit = PermutationInvariant.Loss(estimate, shuffled, SiSnr.Compute);

        for (var b = 0; b < 3; b++)
        {
            // Estimate s is source s, which now sits at reference (s + b + 1) mod S.
            int[] expected = [.. Enumerable.Range(0, sources).Select(s => (s + b + 1) % sources)];
            Assert.Equal(expected, pit.Permutations[b]);
        }
        Assert.Equal(SiSnr.Loss(estimate, clean).item<float>(), pit.Loss.item<float>(), 1e-4);
        Assert.True(pit.Loss.item<float>() < SiSnr.Loss(estimate, shuffled).item<float>());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void Above_three_sources_the_assignment_is_still_the_best_of_all_permutations(int sources)
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        // Noisy, partly mixed estimates, so that the best pairing is not simply the largest score of each row.
        var reference = randn(4, sources, 500);
        var estimate = reference.roll([1], [1]) * 0.6 + reference * 0.5 + randn(4, sources, 500);

        var pit = PermutationInvariant.Loss(estimate, reference, SiSnr.Compute);

        var pairs = SiSnr.Compute(estimate.unsqueeze(2), reference.unsqueeze(1));  // [B, S, S]
        for (var b = 0; b < 4; b++)
        {
            var score = pairs[b].ToArray<float>();
            double Total(int[] p) => Enumerable.Range(0, sources).Sum(i => (double)score[i * sources + p[i]]);
            var best = AllPermutations(sources).Max(Total);
            Assert.Equal(best, Total(pit.Permutations[b]), 1e-4);
        }
    }

    [Fact]
    public void Gradients_are_finite_even_for_a_perfect_or_a_silent_estimate()
    {
        using var scope = NewDisposeScope();
        manual_seed(8);
        var reference = randn(3, 2, 800);
        var noisy = (reference + randn(3, 2, 800)).requires_grad_();
        var perfect = reference.clone().requires_grad_();
        var silent = zeros([3, 2, 800], requires_grad: true);

        foreach (var estimate in new[] { noisy, perfect, silent })
        {
            var pit = PermutationInvariant.Loss(estimate, reference, SiSnr.Compute);
            var loss = pit.Loss + SiSnr.Loss(estimate, reference);
            loss.backward();

            Assert.True(loss.isfinite().item<bool>());
            Assert.True(estimate.grad!.isfinite().all().item<bool>());
        }
        Assert.True(noisy.grad!.abs().sum().item<float>() > 0);
        // Silence is floored at 10·log10(1e-8) = −80 dB rather than −∞.
        Assert.Equal(-80, SiSnr.Compute(silent, reference).mean().item<float>(), 1e-3);
    }

    [Fact]
    public void Pit_refuses_mismatched_shapes()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => PermutationInvariant.Loss(zeros(2, 2, 10), zeros(2, 3, 10), SiSnr.Compute));
        Assert.Throws<ArgumentException>(() => PermutationInvariant.Loss(zeros(2, 10), zeros(2, 10), SiSnr.Compute));
    }

    // Every permutation of 0..n−1, by inserting n − 1 at each position of every permutation of 0..n−2.
    private static IEnumerable<int[]> AllPermutations(int n) =>
        n == 0 ? [[]] : AllPermutations(n - 1).SelectMany(p => Enumerable.Range(0, n).Select(at => Inserted(p, at, n - 1)));

    private static int[] Inserted(int[] items, int at, int value) => [.. items[..at], value, .. items[at..]];
}
