using Cluster.Torch;
using Cluster.Torch.Amp;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Training;

/// <summary>
/// One optimizer step of teacher-forced Whisper training in the precision a <see cref="TrainingPrecision"/> resolved:
/// the gradients of several micro-batches accumulated as if they were one batch, clipped, then the optimizer and the
/// learning-rate schedule stepped. The model's parameters stay float32 (master weights); under autocast only the
/// forward pass runs in the reduced dtype, and the loss is always float32.
/// </summary>
/// <remarks>
/// A step whose gradients are not finite is skipped, in every precision: with loss scaling the
/// <see cref="GradScaler"/> detects it and backs its scale off, as PyTorch's does; without, the gradient norm does.
/// The schedule only advances on steps that were taken, as in Hugging Face's Trainer, so a skipped step costs no
/// part of the warmup or decay.
/// </remarks>
public sealed class WhisperTrainingStep
{
    private readonly WhisperModel model;
    private readonly Optimizer optimizer;
    private readonly LRScheduler? scheduler;
    private readonly Parameter[] parameters;
    private readonly double maxGradNorm;
    private readonly double labelSmoothing;

    /// <param name="model">A Whisper with float32 parameters on <paramref name="precision"/>'s device, in training mode.</param>
    /// <param name="optimizer">The optimizer over the model's parameters.</param>
    /// <param name="scheduler">Stepped after every optimizer step that was taken; null for a fixed rate.</param>
    /// <param name="precision">From <see cref="TrainingPrecision.Resolve"/>.</param>
    /// <param name="maxGradNorm">Gradients are clipped to this L2 norm; <see cref="double.PositiveInfinity"/> for no clipping.</param>
    /// <param name="labelSmoothing">Passed to <see cref="WhisperModel.Loss"/>.</param>
    /// <exception cref="ArgumentException">A parameter is not float32 or not on the precision's device, or a setting is out of range.</exception>
    public WhisperTrainingStep(WhisperModel model, Optimizer optimizer, LRScheduler? scheduler, TrainingPrecision precision,
        double maxGradNorm = 1.0, double labelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(precision);
        if (!(maxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "the gradient norm limit must be positive");
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "label smoothing must lie in [0, 1)");
        MasterWeights.Require(model, precision);
        this.model = model;
        this.optimizer = optimizer;
        this.scheduler = scheduler;
        this.maxGradNorm = maxGradNorm;
        this.labelSmoothing = labelSmoothing;
        Precision = precision;
        parameters = model.parameters().ToArray();
        Scaler = precision.LossScaling ? new GradScaler() : null;
    }

    public TrainingPrecision Precision { get; }

    /// <summary>The loss scaler when the precision scales the loss (its state belongs in a checkpoint); otherwise null.</summary>
    public GradScaler? Scaler { get; }

    /// <summary>
    /// Zeroes the gradients, runs forward and backward over each micro-batch with its loss weighted by its share of
    /// the labelled positions (so the gradient is the one of a single batch holding them all), then unscales, clips and
    /// steps. Micro-batches without a labelled position contribute nothing.
    /// </summary>
    /// <param name="microBatches">This rank's micro-batches; may be empty when <paramref name="exchange"/> is given
    /// (a rank whose batches were all skipped still takes part in the step).</param>
    /// <param name="exchange">Data parallelism: the share is of the labelled positions of all ranks, and gradients
    /// (and the reported loss) are summed over the ranks after backward, before unscaling and clipping.</param>
    /// <exception cref="ArgumentException">No micro-batch, or not one labelled position among them (on all ranks).</exception>
    public TrainingStepResult Step(IReadOnlyList<WhisperMicroBatch> microBatches, IGradientExchange? exchange = null)
    {
        ArgumentNullException.ThrowIfNull(microBatches);
        if (microBatches.Count == 0 && exchange is null) throw new ArgumentException("a training step needs at least one micro-batch", nameof(microBatches));
        var clock = new StepPhaseClock();
        using var scope = NewDisposeScope();
        var counts = microBatches.Select(b => b.Labels.ne(-100).sum().item<long>()).ToArray();
        clock.Forward();
        var total = exchange is null ? counts.Sum() : (long)exchange.Sum(counts.Sum());
        clock.AllReduce();
        if (total == 0) throw new ArgumentException("the micro-batches hold no labelled position (every label is -100)", nameof(microBatches));

        var scale = Scaler?.get_scale() ?? 1.0;
        optimizer.zero_grad();
        Tensor? lossSum = null;
        int last = Array.FindLastIndex(counts, count => count > 0);
        for (var i = 0; i < microBatches.Count; i++)
        {
            if (counts[i] == 0) continue;
            using var microScope = NewDisposeScope();
            var batch = microBatches[i];
            Tensor logits;
            using (Autocast()) logits = model.forward((batch.Mel, batch.DecoderInput));
            var loss = WhisperModel.Loss(logits, batch.Labels, labelSmoothing) * ((double)counts[i] / total);
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
