using Cluster.Speech.Models.Whisper;
using Cluster.Torch;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>
/// Gradient checkpointing gives the same gradients and keeps far less memory between forward and
/// backward. Sizes are chosen so attention weights (8 × 4 × 750² floats, 72 MB each) exceed glibc's
/// mmap threshold: such blocks go back to the system when freed, so resident memory tracks live tensors.
/// </summary>
[Collection(SerialCollection.Name)]
public sealed class WhisperCheckpointingTests
{
    private static WhisperConfig Config => new()
    {
        NumMelBins = 80,
        DModel = 64,
        EncoderLayers = 3,
        EncoderAttentionHeads = 4,
        EncoderFfnDim = 128,
        DecoderLayers = 1,
        DecoderAttentionHeads = 4,
        DecoderFfnDim = 128,
        MaxSourcePositions = 750,
        MaxTargetPositions = 16,
        VocabSize = 64,
        EosTokenId = 1,
        DecoderStartTokenId = 2,
        PadTokenId = 1,
        BosTokenId = 1,
    };

    [Fact]
    public void Checkpointing_keeps_gradients_and_saves_activation_memory()
    {
        var (plainGrowth, plainGradients) = Run(checkpointing: false);
        var (checkpointedGrowth, checkpointedGradients) = Run(checkpointing: true);
        foreach (var (name, expected) in plainGradients)
        {
            var actual = checkpointedGradients[name];
            var error = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            Assert.True(error <= 1e-5 * Math.Max(1, expected.Max(Math.Abs)), $"{name}: gradients differ by {error:E2}");
        }
        // Measured: the plain forward keeps 200–330 MB depending on the allocator's state, the checkpointed one ~0.
        Assert.True(plainGrowth > 100, $"without checkpointing the forward kept only {plainGrowth:F0} MB; the test no longer measures anything");
        Assert.True(checkpointedGrowth * 4 < plainGrowth, $"checkpointed forward kept {checkpointedGrowth:F0} MB, plain {plainGrowth:F0} MB");
    }

    private static (double growthMegabytes, Dictionary<string, float[]> gradients) Run(bool checkpointing)
    {
        manual_seed(5);
        using var model = new Cluster.Speech.Models.Whisper.Whisper(Config);
        model.GradientCheckpointing = checkpointing;
        model.train();
        using var scope = NewDisposeScope();
        var mel = randn(8, 80, 1500);
        var tokens = randint(3, 64, [8, 6]);
        var labels = randint(3, 64, [8, 6]);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = ResidentMemory.Megabytes();
        var loss = Cluster.Speech.Models.Whisper.Whisper.Loss(model.forward((mel, tokens)), labels);
        var growth = ResidentMemory.Megabytes() - before;
        loss.backward();
        var gradients = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.ToArray<float>());
        return (growth, gradients);
    }
}
