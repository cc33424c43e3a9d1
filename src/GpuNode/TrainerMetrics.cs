using System.Diagnostics.Metrics;

namespace Cluster.GpuNode;

/// <summary>
/// The trainer's instruments (meter <see cref="MeterName"/>), recorded from the domain's results: each trained step's
/// <see cref="StepOutcome"/> and timing, the group a rank trains in, evaluations and checkpoints. Served as Prometheus
/// names by the OpenTelemetry exporter (<c>cluster.train.steps</c> → <c>cluster_train_steps_total</c>, seconds →
/// <c>_seconds</c>). Labels stay bounded: model, node and rank, and a phase or metric name.
/// </summary>
public sealed class TrainerMetrics : IDisposable
{
    public const string MeterName = "Cluster.Trainer";

    // Steps from tens of milliseconds (a tiny CPU model) to minutes (a large model's accumulated step).
    private static readonly double[] StepBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 150, 300];

    private readonly Meter meter = new(MeterName);
    private readonly KeyValuePair<string, object?>[] node;
    private readonly Counter<long> steps;
    private readonly Counter<long> examples;
    private readonly Histogram<double> stepDuration;
    private readonly Counter<double> phaseTime;
    private readonly Gauge<double> loss;
    private readonly Counter<long> nonFiniteLosses;
    private readonly Counter<long> skippedSteps;
    private readonly Gauge<double> learningRate;
    private readonly Gauge<double> gradientNorm;
    private readonly Gauge<long> worldSize;
    private readonly Gauge<long> generation;
    private readonly Gauge<double> evaluation;
    private readonly Counter<long> checkpoints;
    private readonly Gauge<double> checkpointTime;
    private readonly Histogram<double> checkpointDuration;
    private readonly Gauge<long> checkpointSize;
    private readonly Counter<long> checkpointFailures;
    private readonly Counter<double> audio;
    private readonly Counter<double> paddedAudio;
    private readonly Counter<long> labelTokens;
    private readonly Gauge<double> lossScale;
    private readonly Counter<double> flops;
    private readonly Gauge<double> flopRate;
    private readonly Gauge<double> modelFlopsUtilization;
    private readonly double? peakFlops;
    private int rank = -1;

    /// <param name="model">The model kind (<c>whisper</c>, <c>tfgridnetv2</c>).</param>
    /// <param name="nodeName">The node's name (<c>gpu-0</c>).</param>
    /// <param name="peakFlopsPerSecond">The device's peak (<see cref="PeakFlops"/>); null exports no MFU.</param>
    public TrainerMetrics(string model, string nodeName, double? peakFlopsPerSecond = null)
    {
        node = [new("model", model), new("node", nodeName)];
        peakFlops = peakFlopsPerSecond;
        steps = meter.CreateCounter<long>("cluster.train.steps", "{step}", "Optimizer steps trained (skipped fp16 overflow steps included)");
        examples = meter.CreateCounter<long>("cluster.train.examples", "{example}", "Examples trained on");
        stepDuration = meter.CreateHistogram<double>("cluster.train.step.duration", "s", "Wall time of a step, waiting for its batches included",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StepBuckets });
        phaseTime = meter.CreateCounter<double>("cluster.train.phase.time", "s",
            "Time by phase: data_wait (only the time the trainer waited for batches), forward, backward, allreduce (blocked in " +
            "collectives outside backward), optimizer, other (turning batches into tensors), eval and checkpoint");
        loss = meter.CreateGauge<double>("cluster.train.loss", null, "Loss of the latest step");
        nonFiniteLosses = meter.CreateCounter<long>("cluster.train.nonfinite.losses", "{step}", "Steps whose loss was NaN or infinite");
        skippedSteps = meter.CreateCounter<long>("cluster.train.optimizer.skipped", "{step}", "Steps whose optimizer update was skipped (fp16 overflow)");
        learningRate = meter.CreateGauge<double>("cluster.train.learning.rate", null, "Learning rate of the latest step");
        gradientNorm = meter.CreateGauge<double>("cluster.train.gradient.norm", null, "Gradient norm before clipping, latest step");
        worldSize = meter.CreateGauge<long>("cluster.train.world.size", "{rank}", "Ranks in the group this trainer trains in");
        generation = meter.CreateGauge<long>("cluster.train.generation", null, "The group's generation (it grows with every regroup)");
        evaluation = meter.CreateGauge<double>("cluster.eval.score", null, "Latest evaluation, by metric (cer, wer, si_snri, loss)");
        checkpoints = meter.CreateCounter<long>("cluster.checkpoint.saves", "{checkpoint}", "Checkpoints written by this rank");
        checkpointTime = meter.CreateGauge<double>("cluster.checkpoint.last.success", "s", "Unix time of this rank's latest checkpoint");
        checkpointDuration = meter.CreateHistogram<double>("cluster.checkpoint.duration", "s", "Time to write a checkpoint",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = StepBuckets });
        checkpointSize = meter.CreateGauge<long>("cluster.checkpoint.size", "By", "Bytes of this rank's latest checkpoint");
        checkpointFailures = meter.CreateCounter<long>("cluster.checkpoint.failures", "{checkpoint}", "Checkpoints that could not be written");
        audio = meter.CreateCounter<double>("cluster.train.audio", "s", "Seconds of audio trained on, before padding");
        paddedAudio = meter.CreateCounter<double>("cluster.train.audio.padded", "s", "Seconds the trained tensors cover, padding included");
        labelTokens = meter.CreateCounter<long>("cluster.train.label.tokens", "{token}", "Label tokens trained on (Whisper)");
        lossScale = meter.CreateGauge<double>("cluster.train.loss.scale", null, "The fp16 loss scale of the latest step (1 without loss scaling)");
        flops = meter.CreateCounter<double>("cluster.train.flops", "{flop}", "Model FLOPs trained, from the model's configuration and the batches' shapes");
        flopRate = meter.CreateGauge<double>("cluster.train.model.flops.per_second", null, "Model FLOP/s of the latest step, its data wait included");
        modelFlopsUtilization = meter.CreateGauge<double>("cluster.train.mfu.ratio", null, "Model FLOP/s of the latest step over the device's peak");
    }

    /// <summary>This trainer joined a group: its rank labels the step series from now on.</summary>
    public void Joined(long groupGeneration, int groupRank, int groupWorldSize)
    {
        rank = groupRank;
        generation.Record(groupGeneration, node);
        worldSize.Record(groupWorldSize, node);
    }

    /// <summary>A step was trained: <paramref name="stepSeconds"/> from the moment the trainer was free to train it,
    /// of which it waited <paramref name="dataWaitSeconds"/> for batches.</summary>
    public void Trained(StepOutcome outcome, double stepSeconds, double dataWaitSeconds)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        KeyValuePair<string, object?>[] labels = [.. node, new("rank", rank)];
        steps.Add(1, labels);
        examples.Add(outcome.Examples, labels);
        stepDuration.Record(stepSeconds, labels);
        var phases = outcome.Phases;
        double measured = dataWaitSeconds + phases.Forward + phases.Backward + phases.AllReduce + phases.Optimizer;
        Phase(labels, "data_wait", dataWaitSeconds);
        Phase(labels, "forward", phases.Forward);
        Phase(labels, "backward", phases.Backward);
        Phase(labels, "allreduce", phases.AllReduce);
        Phase(labels, "optimizer", phases.Optimizer);
        Phase(labels, "other", Math.Max(0, stepSeconds - measured));
        audio.Add(outcome.AudioSeconds, labels);
        paddedAudio.Add(outcome.PaddedSeconds, labels);
        labelTokens.Add(outcome.LabelTokens, labels);
        lossScale.Record(outcome.LossScale, labels);
        flops.Add(outcome.Flops, labels);
        if (stepSeconds > 0)
        {
            double rate = outcome.Flops / stepSeconds;
            flopRate.Record(rate, labels);
            if (peakFlops is > 0) modelFlopsUtilization.Record(rate / peakFlops.Value, labels);
        }
        if (double.IsFinite(outcome.Loss)) loss.Record(outcome.Loss, labels);
        else nonFiniteLosses.Add(1, labels);
        if (outcome.OptimizerSkipped) skippedSteps.Add(1, labels);
        learningRate.Record(outcome.LearningRate, labels);
        if (double.IsFinite(outcome.GradNorm)) gradientNorm.Record(outcome.GradNorm, labels);
    }

    /// <summary>An evaluation finished (rank 0) in <paramref name="seconds"/>: each of its metrics.</summary>
    public void Evaluated(IReadOnlyDictionary<string, double> metrics, double seconds)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        Phase([.. node, new("rank", rank)], "eval", seconds);
        foreach (var (name, value) in metrics)
        {
            if (double.IsFinite(value)) evaluation.Record(value, [.. node, new("metric", name)]);
        }
    }

    /// <summary>A checkpoint of <paramref name="bytes"/> was written (rank 0) in <paramref name="seconds"/>.</summary>
    public void Checkpointed(DateTimeOffset when, double seconds, long bytes)
    {
        checkpoints.Add(1, node);
        checkpointTime.Record(when.ToUnixTimeMilliseconds() / 1000.0, node);
        checkpointDuration.Record(seconds, node);
        checkpointSize.Record(bytes, node);
        Phase([.. node, new("rank", rank)], "checkpoint", seconds);
    }

    /// <summary>Writing a checkpoint failed (rank 0).</summary>
    public void CheckpointFailed() => checkpointFailures.Add(1, node);

    private void Phase(KeyValuePair<string, object?>[] labels, string phase, double seconds) =>
        phaseTime.Add(seconds, [.. labels, new("phase", phase)]);

    public void Dispose() => meter.Dispose();
}
