using Cluster.Speech.Models.Losses;
using Cluster.Torch;
using Xunit.Abstractions;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests.Models.GridNet;

/// <summary>TF-GridNetV2 against numbers ESPnet's own separator produced from the same weights and mixture.</summary>
public sealed class TFGridNetV2GoldenTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("gridnet_unfold")]
    [InlineData("gridnet_linear")]
    public void Estimate_matches_ESPnet_within_1e4(string name)
    {
        using var scope = NewDisposeScope();
        using var model = GridNetGolden.Model(name);
        var io = GridNetGolden.Io(name);

        using (no_grad())
        {
            var estimate = model.forward(io["mixture"]);

            Assert.Equal(io["estimate"].shape, estimate.shape);
            var worst = (estimate - io["estimate"]).abs().max().item<float>();
            output.WriteLine($"{name}: max |estimate − ESPnet| = {worst:E2} (ESPnet's peak {io["estimate"].abs().max().item<float>():F3})");
            Assert.True(worst < 1e-4, $"max abs error {worst:E2}");
        }
    }

    [Theory]
    [InlineData("gridnet_unfold")]
    [InlineData("gridnet_linear")]
    public void Loss_and_every_gradient_match_ESPnet(string name)
    {
        using var scope = NewDisposeScope();
        using var model = GridNetGolden.Model(name);
        var io = GridNetGolden.Io(name);
        var grads = GridNetGolden.Grads(name);

        // The golden loss pairs estimate s with reference s, without a permutation search (see the next test).
        var loss = SiSnr.Loss(model.forward(io["mixture"]), io["reference"]);
        loss.backward();

        double expected = io["loss"].item<float>(), actual = loss.item<float>();
        output.WriteLine($"{name}: loss {actual:R} vs ESPnet {expected:R} (relative {Math.Abs(actual - expected) / Math.Abs(expected):E2})");
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected), $"loss {actual} vs {expected}");

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(grads.Keys.Order(), parameters.Keys.Order());

        // The key-norm shift β is added to every frame's key alike, so it moves all scores of a query by the same
        // amount and the softmax cancels it: its true gradient is zero and both sides hold only rounding noise
        // (norms ~1e-7 against ~1 elsewhere), which a relative comparison would amplify into nonsense.
        var noise = grads.Keys.Where(IsZeroInExactArithmetic).ToList();
        var compared = grads.Keys.Except(noise).ToList();
        var typical = Median(grads.Values.Select(g => (double)g.norm().item<float>()));
        foreach (var key in noise)
        {
            double ours = parameters[key].grad!.norm().item<float>(), theirs = grads[key].norm().item<float>();
            output.WriteLine($"{key}: zero in exact arithmetic; norm ours {ours:E2}, ESPnet {theirs:E2}, typical {typical:E2}");
            Assert.True(ours < 1e-5 * typical && theirs < 1e-5 * typical, $"{key}: {ours:E2} / {theirs:E2}");
        }

        // Relative to the gradient's own norm, but never to less than a thousandth of the typical one: a gradient that
        // nearly cancels (the output convolution's bias, ~1e-6 against ~10 for the linear golden) holds float32
        // rounding that follows the BLAS's summation order, and a purely relative error would amplify it.
        var floor = 1e-3 * typical;
        var errors = compared.Select(k => (Key: k, Error: NormRelative(parameters[k].grad!, grads[k], floor))).OrderByDescending(e => e.Error).ToList();
        output.WriteLine($"{name}: worst gradient {errors[0].Key} at {errors[0].Error:E2} (norm-relative, floor {floor:E2}) over {errors.Count} tensors; median {errors[errors.Count / 2].Error:E2}");
        Assert.All(errors, e => Assert.True(e.Error < 1e-3, $"{e.Key}: {e.Error:E2}"));
    }

    [Fact]
    public void The_two_source_golden_loss_keeps_the_output_order()
    {
        using var scope = NewDisposeScope();
        var io = GridNetGolden.Io("gridnet_linear");
        double golden = io["loss"].item<float>();

        var fixedOrder = SiSnr.Loss(io["estimate"], io["reference"]).item<float>();
        var pit = PermutationInvariant.Loss(io["estimate"], io["reference"], SiSnr.Compute);

        // An untrained model's best pairing swaps both items here, which would lower the loss by about 7.6 dB.
        Assert.Equal(golden, fixedOrder, 1e-5 * golden);
        Assert.True(pit.Loss.item<float>() < golden - 1, $"PIT loss {pit.Loss.item<float>()} vs golden {golden}");
        Assert.All(pit.Permutations, p => Assert.Equal([1, 0], p));
    }

    private static bool IsZeroInExactArithmetic(string key) => key.EndsWith(".attn_norm_K.beta", StringComparison.Ordinal);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }

    private static double NormRelative(Tensor actual, Tensor expected, double floor)
    {
        var scale = expected.norm().item<float>();
        return (actual - expected).norm().item<float>() / Math.Max(scale, floor);
    }
}
