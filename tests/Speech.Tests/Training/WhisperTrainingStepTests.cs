using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Training;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Tests.Training;

/// <summary>The float32 training step against a hand-written loop, gradient accumulation, and the skip paths (CPU).</summary>
[Collection(GlobalRandomCollection.Name)]
public sealed class WhisperTrainingStepTests
{
    private const int Vocabulary = 11, Length = 6;

    private static readonly WhisperConfig Config = new()
    {
        NumMelBins = 8,
        DModel = 16,
        EncoderLayers = 1,
        EncoderAttentionHeads = 2,
        EncoderFfnDim = 32,
        DecoderLayers = 1,
        DecoderAttentionHeads = 2,
        DecoderFfnDim = 32,
        MaxSourcePositions = 6,
        MaxTargetPositions = 8,
        VocabSize = Vocabulary,
        EosTokenId = 1,
        DecoderStartTokenId = 2,
        PadTokenId = 1,
        BosTokenId = 1,
    };

    [Fact]
    public void The_float32_step_equals_a_hand_written_training_loop()
    {
        using var scope = NewDisposeScope();
        var batch = Batch(seed: 4, labelled: [6, 3, 5]);
        using var stepped = NewModel();
        using var handTrained = NewModel();
        using var stepOptimizer = optim.AdamW(stepped.named_parameters(), lr: 1e-2);
        using var handOptimizer = optim.AdamW(handTrained.named_parameters(), lr: 1e-2);
        var step = new WhisperTrainingStep(stepped, stepOptimizer, Schedules.LinearWithWarmup(stepOptimizer, 1, 10),
            TrainingPrecision.Resolve(Precision.Float32, Device.CPU), maxGradNorm: 0.5, labelSmoothing: 0.1);
        var handSchedule = Schedules.LinearWithWarmup(handOptimizer, 1, 10);

        for (var i = 0; i < 3; i++)
        {
            var result = step.Step([batch]);

            handOptimizer.zero_grad();
            var loss = WhisperModel.Loss(handTrained.forward((batch.Mel, batch.DecoderInput)), batch.Labels, 0.1);
            loss.backward();
            var norm = nn.utils.clip_grad_norm_(handTrained.parameters(), 0.5);
            handOptimizer.step();
            handSchedule.Step();

            Assert.Equal(loss.item<double>(), result.Loss, 12);
            Assert.Equal(norm, result.GradientNorm, 12);
            Assert.False(result.Skipped);
            Assert.Equal(1.0, result.LossScale);
        }
        Assert.Equal(0.0, MaxParameterDifference(stepped, handTrained));
        Assert.Equal(handOptimizer.GetLearningRate(0), stepOptimizer.GetLearningRate(0));
    }

    [Fact]
    public void Accumulating_two_micro_batches_gives_the_step_of_one_batch_holding_both()
    {
        using var scope = NewDisposeScope();
        // Unequal numbers of labelled positions per micro-batch: a plain mean of the two micro-batch losses would differ.
        var whole = Batch(seed: 5, labelled: [6, 2, 1]);
        WhisperMicroBatch[] halves = [Slice(whole, 0, 1), Slice(whole, 1, 2)];
        using var accumulated = NewModel();
        using var single = NewModel();
        using var accumulatedOptimizer = optim.AdamW(accumulated.named_parameters(), lr: 1e-2);
        using var singleOptimizer = optim.AdamW(single.named_parameters(), lr: 1e-2);
        var precision = TrainingPrecision.Resolve(Precision.Float32, Device.CPU);
        var accumulatedStep = new WhisperTrainingStep(accumulated, accumulatedOptimizer, null, precision);
        var singleStep = new WhisperTrainingStep(single, singleOptimizer, null, precision);

        for (var i = 0; i < 2; i++)
        {
            var fromHalves = accumulatedStep.Step(halves);
            var fromWhole = singleStep.Step([whole]);

            Assert.Equal(fromWhole.Loss, fromHalves.Loss, 5);
            Assert.Equal(fromWhole.GradientNorm, fromHalves.GradientNorm, 5);
        }
        // Two float32 AdamW steps whose gradients were summed in a different order: rounding differences only, which for
        // parameters of order 0.1 and lr 1e-2 stay far below 1e-5.
        var difference = MaxParameterDifference(accumulated, single);
        Assert.True(difference < 1e-5, $"parameters differ by up to {difference:E2}");
    }

    [Fact]
    public void With_an_exchange_a_rank_steps_as_one_process_holding_every_ranks_batches()
    {
        using var scope = NewDisposeScope();
        // The exchange stands for a second rank that holds a copy of this rank's batch.
        var batch = Batch(seed: 8, labelled: [5, 2]);
        using var parallel = NewModel();
        using var single = NewModel();
        using var parallelOptimizer = optim.AdamW(parallel.named_parameters(), lr: 1e-2);
        using var singleOptimizer = optim.AdamW(single.named_parameters(), lr: 1e-2);
        var precision = TrainingPrecision.Resolve(Precision.Float32, Device.CPU);
        var parallelStep = new WhisperTrainingStep(parallel, parallelOptimizer, null, precision, maxGradNorm: 0.05);
        var singleStep = new WhisperTrainingStep(single, singleOptimizer, null, precision, maxGradNorm: 0.05);
        var exchange = new MirroredRankExchange();

        for (var i = 0; i < 2; i++)
        {
            var fromExchange = parallelStep.Step([batch], exchange);
            var fromBoth = singleStep.Step([batch, batch]);
            Assert.Equal(fromBoth.Loss, fromExchange.Loss, 5);
            Assert.Equal(fromBoth.GradientNorm, fromExchange.GradientNorm, 5);
        }
        Assert.Equal(2, exchange.GradientExchanges);
        var difference = MaxParameterDifference(parallel, single);
        Assert.True(difference < 1e-5, $"parameters differ by up to {difference:E2}");
    }

    [Fact]
    public void With_an_exchange_no_labelled_position_on_any_rank_is_refused_before_the_gradients_are_exchanged()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel();
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 1e-2);
        var step = new WhisperTrainingStep(model, optimizer, null, TrainingPrecision.Resolve(Precision.Float32, Device.CPU));
        var exchange = new MirroredRankExchange();
        Assert.Throws<ArgumentException>(() => step.Step([], exchange));
        Assert.Equal(0, exchange.GradientExchanges);
    }

    [Fact]
    public void With_loss_scaling_a_step_with_an_infinite_gradient_is_skipped_and_the_scale_backs_off()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel();
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 1e-2);
        var schedule = Schedules.LinearWithWarmup(optimizer, 0, 10);
        // Loss scaling on the CPU is not what Resolve picks, but the scaler works on any device: it is the fp16 path minus the autocast.
        var precision = new TrainingPrecision(Device.CPU, Precision.Float16, null, LossScaling: true, "test: loss scaling in float32");
        var step = new WhisperTrainingStep(model, optimizer, schedule, precision);
        var before = Snapshot(model);
        var rateBefore = optimizer.GetLearningRate(0);

        var poisoned = Batch(seed: 6, labelled: [6, 6]);
        poisoned.Mel[0, 0, 0].fill_(float.PositiveInfinity);
        var skipped = step.Step([poisoned]);

        Assert.True(skipped.Skipped);
        Assert.False(double.IsFinite(skipped.GradientNorm));
        Assert.Equal(65536.0, skipped.LossScale);
        Assert.Equal(32768.0, step.Scaler!.get_scale());
        Assert.Equal(0.0, MaxDifference(before, Snapshot(model)));
        Assert.Equal(rateBefore, optimizer.GetLearningRate(0));

        var taken = step.Step([Batch(seed: 6, labelled: [6, 6])]);

        Assert.False(taken.Skipped);
        Assert.Equal(32768.0, taken.LossScale);
        Assert.True(double.IsFinite(taken.GradientNorm) && taken.GradientNorm > 0);
        Assert.True(MaxDifference(before, Snapshot(model)) > 0, "the clean step left the weights unchanged");
        Assert.NotEqual(rateBefore, optimizer.GetLearningRate(0));
    }

    [Fact]
    public void Loss_scaling_leaves_the_true_loss_and_gradient_norm_of_a_clean_step()
    {
        using var scope = NewDisposeScope();
        var batch = Batch(seed: 7, labelled: [4, 6]);
        using var scaled = NewModel();
        using var plain = NewModel();
        using var scaledOptimizer = optim.AdamW(scaled.named_parameters(), lr: 1e-2);
        using var plainOptimizer = optim.AdamW(plain.named_parameters(), lr: 1e-2);
        var scaledStep = new WhisperTrainingStep(scaled, scaledOptimizer, null, new TrainingPrecision(Device.CPU, Precision.Float16, null, true, "test"));
        var plainStep = new WhisperTrainingStep(plain, plainOptimizer, null, TrainingPrecision.Resolve(Precision.Float32, Device.CPU));

        var withScale = scaledStep.Step([batch]);
        var without = plainStep.Step([batch]);

        Assert.Equal(without.Loss, withScale.Loss, 6);
        Assert.Equal(without.GradientNorm, withScale.GradientNorm, 5);
        Assert.True(MaxParameterDifference(scaled, plain) < 1e-6);
    }

    [Fact]
    public void The_autocast_branch_runs_the_forward_pass_in_bfloat16_and_keeps_float32_master_weights()
    {
        using var scope = NewDisposeScope();
        var batch = Batch(seed: 10, labelled: [6, 4]);
        using var autocasted = NewModel();
        using var plain = NewModel();
        using var autocastOptimizer = optim.AdamW(autocasted.named_parameters(), lr: 1e-2);
        using var plainOptimizer = optim.AdamW(plain.named_parameters(), lr: 1e-2);
        // CPU autocast supports bfloat16; Resolve does not choose it on the CPU (it is slower there), but the branch is the CUDA one.
        var autocastStep = new WhisperTrainingStep(autocasted, autocastOptimizer, null, new TrainingPrecision(Device.CPU, Precision.BFloat16, DType.BFloat16, false, "test"));
        var plainStep = new WhisperTrainingStep(plain, plainOptimizer, null, TrainingPrecision.Resolve(Precision.Float32, Device.CPU));

        var reduced = autocastStep.Step([batch]);
        var full = plainStep.Step([batch]);

        Assert.False(reduced.Skipped);
        Assert.NotEqual(full.Loss, reduced.Loss); // equal only if nothing ran in bfloat16
        Assert.True(Math.Abs(reduced.Loss - full.Loss) < 0.02 * full.Loss, $"bfloat16 loss {reduced.Loss} vs float32 {full.Loss}");
        Assert.All(autocasted.parameters(), p => Assert.Equal(DType.Float32, p.dtype));
        Assert.All(autocasted.parameters(), p => Assert.Equal(DType.Float32, p.grad!.dtype));
    }

    [Fact]
    public void Without_loss_scaling_a_non_finite_gradient_never_reaches_the_weights()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel();
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 1e-2);
        var step = new WhisperTrainingStep(model, optimizer, null, TrainingPrecision.Resolve(Precision.Float32, Device.CPU));
        var before = Snapshot(model);
        var poisoned = Batch(seed: 8, labelled: [5, 6]);
        poisoned.Mel[1, 2, 3].fill_(float.NaN);

        var result = step.Step([poisoned]);

        Assert.True(result.Skipped);
        Assert.Equal(0.0, MaxDifference(before, Snapshot(model)));
    }

    [Fact]
    public void Parameters_that_are_not_float32_are_refused_as_master_weights()
    {
        using var model = NewModel();
        model.to(bfloat16);
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 1e-2);

        var error = Assert.Throws<ArgumentException>(() =>
            new WhisperTrainingStep(model, optimizer, null, TrainingPrecision.Resolve(Precision.BFloat16, Device.CPU)));
        Assert.Contains("BFloat16", error.Message, StringComparison.Ordinal);
        Assert.Contains("master weights", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_without_labelled_positions_is_refused()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel();
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 1e-2);
        var step = new WhisperTrainingStep(model, optimizer, null, TrainingPrecision.Resolve(Precision.Float32, Device.CPU));
        var empty = Batch(seed: 9, labelled: [0, 0]);

        Assert.Throws<ArgumentException>(() => step.Step([empty]));
        Assert.Throws<ArgumentException>(() => step.Step([]));
    }

    private static WhisperModel NewModel()
    {
        manual_seed(11);
        return new WhisperModel(Config).train();
    }

    // Random mel and tokens; row b has labelled[b] labelled positions, then -100.
    private static WhisperMicroBatch Batch(int seed, int[] labelled)
    {
        manual_seed((ulong)seed);
        var rows = labelled.Length;
        var mel = randn(rows, Config.NumMelBins, Config.InputFrames);
        var tokens = randint(3, Vocabulary, [rows, Length + 1]).ToArray<long>();
        var input = new long[rows * Length];
        var labels = new long[rows * Length];
        for (var b = 0; b < rows; b++)
        {
            for (var t = 0; t < Length; t++)
            {
                input[b * Length + t] = t <= labelled[b] ? tokens[b * (Length + 1) + t] : Config.PadTokenId;
                labels[b * Length + t] = t < labelled[b] ? tokens[b * (Length + 1) + t + 1] : -100;
            }
        }
        return new WhisperMicroBatch(mel, tensor(input, [rows, Length]), tensor(labels, [rows, Length]));
    }

    private static WhisperMicroBatch Slice(WhisperMicroBatch batch, int start, int count) =>
        new(batch.Mel.narrow(0, start, count), batch.DecoderInput.narrow(0, start, count), batch.Labels.narrow(0, start, count));

    private static Tensor[] Snapshot(WhisperModel model) => model.parameters().Select(p => p.detach().clone()).ToArray();

    private static double MaxDifference(Tensor[] a, Tensor[] b) => a.Zip(b).Max(pair => (pair.First - pair.Second).abs().max().item<double>());

    private static double MaxParameterDifference(WhisperModel a, WhisperModel b) => MaxDifference(Snapshot(a), Snapshot(b));
}
