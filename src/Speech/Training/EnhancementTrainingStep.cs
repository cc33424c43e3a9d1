using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Losses;
using Cluster.Torch;
using Cluster.Torch.Amp;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Training;

/// <summary>
/// One optimizer step of TF-GridNetV2 speech enhancement with the negative SI-SNR of the first estimated source
/// against the clean speech as the loss, in the precision a <see cref="TrainingPrecision"/> resolved; the same
/// accumulation, data-parallel exchange, clipping and skip rules as <see cref="WhisperTrainingStep"/>, with examples
/// in place of labelled tokens.
/// </summary>
public sealed class EnhancementTrainingStep
{
    private readonly TFGridNetV2 model;
    private readonly Optimizer optimizer;
    private readonly LRScheduler? scheduler;
    private readonly Parameter[] parameters;
    private readonly double maxGradNorm;

    /// <param name="model">A TF-GridNetV2 with float32 parameters on <paramref name="precision"/>'s device, in training mode.</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="scheduler">Stepped after every optimizer step that was taken; null for a fixed rate.</param>
    /// <param name="precision">From <see cref="TrainingPrecision.Resolve"/>.</param>
    /// <param name="maxGradNorm">Gradients are clipped to this L2 norm; <see cref="double.PositiveInfinity"/> for no clipping.</param>
    /// <exception cref="ArgumentException">A parameter is not float32 or not on the precision's device, or a setting is out of range.</exception>
    public EnhancementTrainingStep(TFGridNetV2 model, Optimizer optimizer, LRScheduler? scheduler, TrainingPrecision precision,
        double maxGradNorm = 1.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(precision);
        if (!(maxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "the gradient norm limit must be positive");
        MasterWeights.Require(model, precision);
        this.model = model;
        this.optimizer = optimizer;
        this.scheduler = scheduler;
        this.maxGradNorm = maxGradNorm;
        Precision = precision;
        parameters = model.parameters().ToArray();
        Scaler = precision.LossScaling ? new GradScaler() : null;
    }

    public TrainingPrecision Precision { get; }

    /// <summary>The loss scaler when the precision scales the loss (its state belongs in a checkpoint); otherwise null.</summary>
    public GradScaler? Scaler { get; }

    /// <summary>
    /// Zeroes the gradients, runs forward and backward over each micro-batch with its loss weighted by its share of the
    /// examples, exchanges gradients when data-parallel, then unscales, clips and steps. The reported loss is the mean
    /// negative SI-SNR (dB) over all examples.
    /// </summary>
    /// <param name="microBatches">This rank's micro-batches; may be empty when <paramref name="exchange"/> is given.</param>
    /// <param name="exchange">See <see cref="WhisperTrainingStep.Step"/>.</param>
    /// <exception cref="ArgumentException">No micro-batch or no example (on all ranks), or a batch's shapes disagree.</exception>
    public TrainingStepResult Step(IReadOnlyList<EnhancementMicroBatch> microBatches, IGradientExchange? exchange = null)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        if (microBatches.Count == 0 && exchange is null) throw new ArgumentException("a training step needs at least one micro-batch", nameof(microBatches));
        foreach (var batch in microBatches)
        {
            if (batch.Noisy.dim() != 2 || !batch.Noisy.shape.SequenceEqual(batch.Clean.shape))
                throw new ArgumentException($"noisy [{string.Join(", ", batch.Noisy.shape)}] and clean [{string.Join(", ", batch.Clean.shape)}] must both be [B, S]", nameof(microBatches));
        }
        var clock = new StepPhaseClock();
        using var scope = NewDisposeScope();
        var counts = microBatches.Select(b => b.Noisy.size(0)).ToArray();
        clock.Forward();
        var total = exchange is null ? counts.Sum() : (long)exchange.Sum(counts.Sum());
        clock.AllReduce();
        if (total == 0) throw new ArgumentException("the micro-batches hold no example", nameof(microBatches));

        var scale = Scaler?.get_scale() ?? 1.0;
        optimizer.zero_grad();
        Tensor? lossSum = null;
        int last = Array.FindLastIndex(counts, count => count > 0);
        for (var i = 0; i < microBatches.Count; i++)
        {
            if (counts[i] == 0) continue;
            using var microScope = NewDisposeScope();
            var batch = microBatches[i];
            Tensor estimate;
            using (Autocast()) estimate = model.forward(batch.Noisy);
            // The first source is the speech estimate; the loss is always computed in float32.
            var loss = SiSnr.Loss(estimate.select(1, 0).to(DType.Float32), batch.Clean) * ((double)counts[i] / total);
            clock.Forward();
            if (i == last) exchange?.BeforeLastBackward(parameters);
            (Scaler?.scale(loss) ?? loss).backward();
            var detached = loss.detach();
            lossSum = microScope.MoveToOuter(lossSum is null ? detached : lossSum + detached);
            clock.Backward();
        }

        var meanLoss = lossSum?.item<double>() ?? 0.0;
        clock.Backward();
        if (exchange is not null)
        {
            exchange.SumGradients(parameters);
            meanLoss = exchange.Sum(meanLoss);
        }
        clock.AllReduce();
        var (norm, taken) = OptimizerStepTail.Run(optimizer, scheduler, Scaler, parameters, maxGradNorm);
        clock.Optimizer();
        return new TrainingStepResult(meanLoss, norm, !taken, scale, clock.Phases);
    }

    private IDisposable? Autocast() => Precision.AutocastDType is { } dtype ? autocast(Precision.Device.Type, dtype) : null;
}
