using Cluster.Torch;
using Cluster.Torch.Modules;
using Xunit.Abstractions;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>The model against the upstream openai/whisper goldens: logits, loss and every weight's gradient.</summary>
public sealed class WhisperGoldenTests(ITestOutputHelper output)
{
    [Fact]
    public void Golden_weights_load_strictly_and_the_state_dict_has_exactly_their_keys()
    {
        using var scope = NewDisposeScope();
        using var model = TinyWhisper.Load();
        var golden = load_safetensors(TinyWhisper.Fixture("model.safetensors"));
        var keys = model.state_dict().Keys.ToHashSet();

        Assert.Equal(golden.Keys.Order(), keys.Order());
        Assert.DoesNotContain("proj_out.weight", keys);
    }

    [Fact]
    public void Logits_match_the_golden_within_1e_4()
    {
        using var scope = NewDisposeScope();
        using var model = TinyWhisper.Load();
        var io = TinyWhisper.Io();

        Tensor logits;
        using (no_grad()) logits = model.forward((io["mel"], io["tokens"])); // [2, 12, 1024]

        Assert.Equal(io["logits"].shape, logits.shape);
        double error = TinyWhisper.MaxAbsDifference(logits, io["logits"]);
        output.WriteLine($"logits max |error| = {error:E2}");
        Assert.True(error <= 1e-4, $"logits max |error| = {error:E2}");
    }

    /// <remarks>
    /// The golden gradients of the two encoder convolutions are wrong: Debian's libtorch 1.13 CPU GELU backward returns
    /// uninitialised memory for a non-contiguous incoming gradient, which openai's <c>gelu(conv2(x)).permute(0, 2, 1)</c>
    /// hands it. Those four tensors are checked against float64 gradients from tests/tools/whisper_reference.py
    /// (confirmed there by finite differences) instead, and the golden is asserted to still be off, so regenerated
    /// goldens get noticed.
    /// </remarks>
    [Fact]
    public void Loss_and_every_gradient_match_the_references()
    {
        using var scope = NewDisposeScope();
        using var model = TinyWhisper.Load().train();
        var io = TinyWhisper.Io();
        var golden = load_safetensors(TinyWhisper.Fixture("grads.safetensors"));
        var float64 = load_safetensors(TinyWhisper.Fixture("conv_grads_fp64.safetensors"));

        var loss = WhisperModel.Loss(model.forward((io["mel"], io["tokens"])), io["labels"]);
        loss.backward();

        double expectedLoss = io["loss"].item<double>(), actualLoss = loss.item<double>();
        double lossError = Math.Abs(actualLoss - expectedLoss) / Math.Abs(expectedLoss);
        output.WriteLine($"loss {actualLoss:R} vs {expectedLoss:R}: relative error {lossError:E2}");
        Assert.True(lossError <= 1e-3, $"loss relative error {lossError:E2}");

        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(golden.Keys.Order(), parameters.Keys.Order());
        Assert.Equal(4, float64.Count);
        string worstName = "";
        double worst = 0;
        foreach (var (name, goldenGrad) in golden)
        {
            var actual = parameters[name].grad ?? throw new Xunit.Sdk.XunitException($"{name} has no gradient");
            var expected = float64.GetValueOrDefault(name) ?? goldenGrad;
            double error = RelativeError(actual, expected);
            if (error > worst) (worst, worstName) = (error, name);
            if (float64.ContainsKey(name))
            {
                double goldenError = RelativeError(goldenGrad, expected);
                output.WriteLine($"{name}: {error:E2} from the float64 reference; the upstream golden is {goldenError:E2} from it");
                Assert.True(goldenError > 0.1, $"{name}: the upstream golden gradient now agrees with the float64 reference; compare with it again");
            }
        }
        output.WriteLine($"worst gradient: {worstName}, ||g - g*|| / ||g*|| = {worst:E2} over {golden.Count} tensors");
        Assert.True(worst <= 1e-3, $"{worstName}: ||g - g*|| / ||g*|| = {worst:E2}");
    }

    private static double RelativeError(Tensor actual, Tensor expected)
    {
        using var scope = NewDisposeScope();
        return (actual - expected).norm().item<double>() / expected.norm().item<double>();
    }
}
