using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Losses;
using Cluster.Speech.Training;
using Cluster.Torch;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests.Training;

/// <summary>The TF-GridNetV2 enhancement step against a hand-written loop, and its data-parallel exchange (CPU).</summary>
[Collection(GlobalRandomCollection.Name)]
public sealed class EnhancementTrainingStepTests
{
    private static readonly TFGridNetV2Config Config = new() { n_fft = 32, stride = 16, n_layers = 1, lstm_hidden_units = 8, emb_dim = 8 };

    [Fact]
    public void The_step_equals_a_hand_written_negative_si_snr_loop()
    {
        using var scope = NewDisposeScope();
        var (noisy, clean) = Pair(seed: 1, examples: 2);
        using var stepped = NewModel();
        using var handTrained = NewModel();
        using var stepOptimizer = optim.AdamW(stepped.named_parameters(), lr: 1e-3);
        using var handOptimizer = optim.AdamW(handTrained.named_parameters(), lr: 1e-3);
        var step = new EnhancementTrainingStep(stepped, stepOptimizer, null, TrainingPrecision.Resolve(Precision.Float32, Device.CPU), maxGradNorm: 0.5);

        for (var i = 0; i < 2; i++)
        {
            var result = step.Step([new EnhancementMicroBatch(noisy, clean)]);

            handOptimizer.zero_grad();
            var loss = SiSnr.Loss(handTrained.forward(noisy).select(1, 0), clean);
            loss.backward();
            var norm = nn.utils.clip_grad_norm_(handTrained.parameters(), 0.5);
            handOptimizer.step();

            Assert.Equal(loss.item<double>(), result.Loss, 10);
            Assert.Equal(norm, result.GradientNorm, 10);
            Assert.False(result.Skipped);
        }
        Assert.Equal(0.0, MaxParameterDifference(stepped, handTrained));
    }

    [Fact]
    public void With_an_exchange_a_rank_steps_as_one_process_holding_every_ranks_examples()
    {
        using var scope = NewDisposeScope();
        var (noisy, clean) = Pair(seed: 2, examples: 1);
        var (otherNoisy, otherClean) = Pair(seed: 3, examples: 3);
        using var parallel = NewModel();
        using var single = NewModel();
        using var parallelOptimizer = optim.AdamW(parallel.named_parameters(), lr: 1e-3);
        using var singleOptimizer = optim.AdamW(single.named_parameters(), lr: 1e-3);
        var precision = TrainingPrecision.Resolve(Precision.Float32, Device.CPU);
        var parallelStep = new EnhancementTrainingStep(parallel, parallelOptimizer, null, precision);
        var singleStep = new EnhancementTrainingStep(single, singleOptimizer, null, precision);

        // Unequal micro-batches: the weights are shares of the examples, so a plain mean of the two losses would differ.
        var fromExchange = parallelStep.Step([new(noisy, clean), new(otherNoisy, otherClean)], new MirroredRankExchange());
        var fromBoth = singleStep.Step([new(noisy, clean), new(otherNoisy, otherClean), new(noisy, clean), new(otherNoisy, otherClean)]);

        Assert.Equal(fromBoth.Loss, fromExchange.Loss, 5);
        Assert.Equal(fromBoth.GradientNorm, fromExchange.GradientNorm, 5);
        var difference = MaxParameterDifference(parallel, single);
        Assert.True(difference < 1e-5, $"parameters differ by up to {difference:E2}");
    }

    [Fact]
    public void Mismatched_noisy_and_clean_shapes_are_refused()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel();
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 1e-3);
        var step = new EnhancementTrainingStep(model, optimizer, null, TrainingPrecision.Resolve(Precision.Float32, Device.CPU));
        var error = Assert.Throws<ArgumentException>(() => step.Step([new EnhancementMicroBatch(zeros([2, 160]), zeros([2, 150]))]));
        Assert.Contains("[2, 150]", error.Message);
    }

    private static TFGridNetV2 NewModel()
    {
        manual_seed(11);
        return new TFGridNetV2(Config);
    }

    private static (Tensor Noisy, Tensor Clean) Pair(int seed, int examples)
    {
        using var generator = new Generator((ulong)seed);
        var clean = randn([examples, 160], generator: generator);
        var noisy = clean + randn([examples, 160], generator: generator) * 0.5;
        return (noisy, clean);
    }

    private static double MaxParameterDifference(TFGridNetV2 a, TFGridNetV2 b) =>
        a.parameters().Zip(b.parameters()).Max(pair => (pair.First - pair.Second).abs().max().item<double>());
}
