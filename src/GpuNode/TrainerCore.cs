using Cluster.Shared.Checkpoints;
using Cluster.Shared.Jobs;
using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;
using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Training;
using Cluster.Torch;
using Cluster.Torch.Distributed;
using Cluster.Torch.Modules;
using Cluster.Torch.Optim;
using Cluster.Torch.Safetensors;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.GpuNode;

/// <summary>
/// The compute of one trainer, independent of actors: the model, optimizer, schedule and training step built from the
/// job spec; steps over this rank's batches with the gradient exchange of the current process group; checkpoints
/// (rank 0) and resume. Not thread-safe: one thread drives it.
/// </summary>
public sealed class TrainerCore : IDisposable
{
    /// <summary>The loss scaler's state (fp16 only), next to the files every checkpoint has.</summary>
    public const string ScalerFile = "scaler.json";

    private readonly Module model;
    private readonly Optimizer optimizer;
    private readonly LRScheduler? scheduler;
    private readonly WhisperTrainingStep? whisperStep;
    private readonly EnhancementTrainingStep? enhancementStep;
    private readonly List<MetricRecord> history = [];
    private ProcessGroupExchange? exchange;
    private ITrainerEvaluator? evaluator;
    private int totalSteps;

    private TrainerCore(JobSpec job, string jobYaml, Device device)
    {
        Job = job;
        JobYaml = jobYaml;
        Device = device;
        Precision = TrainingPrecision.Resolve(job.Training.Precision, device);
        totalSteps = job.Schedule.MaxSteps ?? 0;
        // Set on the thread that runs the trainer's compute (OpenMP keeps the count per thread).
        if (job.Cluster.TrainerThreads is { } threads) set_num_threads(threads);
        // A CPU trainer's activations would otherwise land on fresh pages every step (a page fault per 4 KiB).
        if (device.Type == DeviceType.CPU)
            CpuMemoryCache.Configure(CpuMemoryCache.LimitFor(job.Cluster.CpuMemoryCacheGiB, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        // Every rank builds the same initial weights; rank 0's are broadcast anyway when a group forms.
        manual_seed(job.Seed);
        Resolved = ResolvedJob.Resolve(job);
        model = BuildModel(Resolved, device);
        var spec = job.Optimizer;
        optimizer = new AdamW(ParamGroups.WithWeightDecay(model.named_parameters(), spec.WeightDecay), spec.LearningRate,
            (spec.Beta1, spec.Beta2), spec.Eps, spec.WeightDecay);
        scheduler = BuildScheduler(job.Schedule, optimizer, () => totalSteps);
        double maxNorm = job.Training.MaxGradNorm ?? double.PositiveInfinity;
        if (model is WhisperModel whisper)
        {
            whisper.GradientCheckpointing = job.Training.GradientCheckpointing;
            whisperStep = new WhisperTrainingStep(whisper, optimizer, scheduler, Precision, maxNorm);
        }
        else
        {
            enhancementStep = new EnhancementTrainingStep((TFGridNetV2)model, optimizer, scheduler, Precision, maxNorm);
        }
        Stopping = new EarlyStopping(job.Evaluation.Patience, job.Checkpointing.Mode);
    }

    public JobSpec Job { get; }

    /// <summary>The job's derived facts, resolved as the coordinator and the DataNodes resolve them.</summary>
    public ResolvedJob Resolved { get; }

    public string JobYaml { get; }

    public Device Device { get; }

    public TrainingPrecision Precision { get; }

    /// <summary>The last optimizer step trained or restored; 0 before any.</summary>
    public long Step { get; private set; }

    public EarlyStopping Stopping { get; private set; }

    public IReadOnlyList<MetricRecord> History => history;

    private Torch.Amp.GradScaler? Scaler => whisperStep?.Scaler ?? enhancementStep?.Scaler;

    /// <summary>The model's parameters by name (tests compare ranks with them).</summary>
    public IEnumerable<(string Name, Parameter Parameter)> Parameters => model.named_parameters();

    /// <exception cref="ArgumentException">The model cannot be built from the spec (the message says why).</exception>
    public static TrainerCore Create(JobSpec job, string jobYaml, Device device)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(jobYaml);
        return new TrainerCore(job, jobYaml, device);
    }

    /// <summary>The length the learning-rate schedule decays over: the job's total steps, as each schedule from the
    /// coordinator gives it (0: not known, leaves it as it was).</summary>
    public void SetTotalSteps(int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (steps > 0) totalSteps = steps;
    }

    /// <summary>Joins a process group: every rank takes rank 0's parameters, and the step's collectives run over it.
    /// Null leaves data parallelism (a single process).</summary>
    public void Join(ProcessGroup? group)
    {
        // The previous group's exchange lets go of its gradient hooks.
        exchange?.Dispose();
        exchange = null;
        if (group is null) return;
        using (no_grad())
        {
            foreach (var (_, parameter) in model.named_parameters()) group.Broadcast(parameter, 0);
        }
        exchange = new ProcessGroupExchange(group, Device);
    }

    /// <summary>Trains <paramref name="step"/> over this rank's batches (possibly none, or all skipped, under a
    /// group), with dropout seeded from (job seed, step, rank).</summary>
    /// <exception cref="InvalidDataException">A batch is malformed.</exception>
    public StepOutcome TrainStep(long step, int rank, IReadOnlyList<BatchData> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        using var scope = NewDisposeScope();
        manual_seed(StepSeed.Of(Job.Seed, step, rank));
        double learningRate = optimizer.GetLearningRate(0);
        int examples = batches.Sum(b => b.Examples);
        TrainingStepResult result;
        double flops;
        if (whisperStep is not null)
        {
            WhisperMicroBatch[] micro = [.. batches.Select(b => BatchDecoder.Whisper(b, Device)).OfType<WhisperMicroBatch>()];
            flops = micro.Sum(m => TrainingFlops.Whisper(Resolved.Whisper!, m.Labels.size(0), m.Labels.size(1)));
            result = whisperStep.Step(micro, exchange);
        }
        else
        {
            EnhancementMicroBatch[] micro = [.. batches.Select(b => BatchDecoder.Enhancement(b, Device)).OfType<EnhancementMicroBatch>()];
            flops = micro.Sum(m => TrainingFlops.GridNet(Job.Model.TFGridNetV2!.Config, m.Noisy.size(0), m.Noisy.size(1)));
            result = enhancementStep!.Step(micro, exchange);
        }
        Step = step;
        return new StepOutcome(step, result.Loss, learningRate, result.GradientNorm, examples, result.Skipped)
        {
            Phases = result.Phases,
            AudioSeconds = batches.Sum(b => b.AudioSeconds),
            PaddedSeconds = batches.Sum(b => b.PaddedSeconds),
            LabelTokens = batches.Sum(b => b.LabelTokens),
            LossScale = result.LossScale,
            Flops = flops,
        };
    }

    /// <summary>Evaluates the model on <c>data.eval</c> (built on first use) and records the evaluation metric for
    /// early stopping and the checkpoint history.</summary>
    public EvaluationResult Evaluate()
    {
        evaluator ??= model is WhisperModel whisper ? new WhisperEvaluator(whisper, Resolved, Device) : new EnhancementEvaluator((TFGridNetV2)model, Job, Device);
        var result = evaluator.Evaluate();
        string metric = MetricName(Job.Evaluation.Metric);
        RecordEvaluation(Step, metric, result.Metrics.TryGetValue(metric, out double value) ? value : double.NaN);
        return result;
    }

    /// <summary>Records an evaluation for early stopping and the checkpoint history.</summary>
    public bool RecordEvaluation(long step, string metric, double value)
    {
        history.Add(new MetricRecord(step, metric, value));
        return Stopping.Observe(value);
    }

    /// <summary>Writes the checkpoint of the current step (model, optimizer, scheduler and trainer state with
    /// <paramref name="cursor"/>), then applies the retention of the job.</summary>
    public CheckpointInfo SaveCheckpoint(string root, int epoch, LedgerCursor cursor, IReadOnlyDictionary<string, double>? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(cursor);
        var store = new CheckpointStore(root);
        var state = new TrainerState(Step, epoch, cursor, scheduler?.GetState(), Job.Seed,
            new Dictionary<string, string> { ["cpu"] = Convert.ToBase64String(get_rng_state()) }, [.. history],
            Stopping.WithoutImprovement, JobYaml);
        using var optimizerState = optimizer.state_dict();
        var files = new List<CheckpointFile>(model is WhisperModel whisper
            ? ModelCheckpointFiles.Whisper(whisper)
            : ModelCheckpointFiles.TFGridNetV2((TFGridNetV2)model, Job.Model.TFGridNetV2!.Config))
        {
            CheckpointFile.Optimizer(optimizerState),
            state.ToFile(),
        };
        if (Scaler?.state_dict() is { } scalerState)
            files.Add(CheckpointFile.Bytes(ScalerFile, System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(scalerState)));
        var info = store.Write(Step, files, metrics);
        var spec = Job.Checkpointing;
        store.ApplyRetention(new RetentionPolicy(spec.KeepLast, spec.KeepBest, MetricName(spec.Metric), spec.Mode));
        return info;
    }

    /// <summary>Restores weights, optimizer, schedule, step and evaluation history from a checkpoint directory.</summary>
    /// <returns>The checkpoint's trainer state.</returns>
    /// <exception cref="InvalidDataException">The checkpoint is incomplete or does not fit this model.</exception>
    public TrainerState Restore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        foreach (var name in CheckpointLayout.RequiredFiles)
        {
            if (!File.Exists(Path.Combine(directory, name))) throw new InvalidDataException($"checkpoint {directory} has no {name}");
        }
        var state = TrainerState.Load(Path.Combine(directory, CheckpointLayout.TrainerStateFile));
        using (var scope = NewDisposeScope())
        {
            var weights = load_safetensors(Path.Combine(directory, CheckpointLayout.ModelFile), Device);
            try
            {
                model.load_state_dict(weights, strict: true);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"checkpoint {directory}: the weights do not fit the job's model: {e.Message}", e);
            }
            string optimizerPath = Path.Combine(directory, CheckpointLayout.OptimizerFile);
            using var file = SafetensorsFile.Open(optimizerPath);
            using var optimizerState = OptimizerState.FromTensors(load_safetensors(optimizerPath, Device), file.Metadata);
            optimizer.load_state_dict(optimizerState);
        }
        if (state.Scheduler is { } schedulerState) scheduler?.LoadState(schedulerState);
        string scalerPath = Path.Combine(directory, ScalerFile);
        if (Scaler is not null && File.Exists(scalerPath))
        {
            Torch.Amp.GradScalerState? scalerState;
            try
            {
                scalerState = System.Text.Json.JsonSerializer.Deserialize<Torch.Amp.GradScalerState>(File.ReadAllBytes(scalerPath));
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new InvalidDataException($"{scalerPath}: not a loss scaler state: {e.Message}", e);
            }
            Scaler.load_state_dict(scalerState ?? throw new InvalidDataException($"{scalerPath}: the loss scaler state is null"));
        }
        history.Clear();
        history.AddRange(state.MetricHistory);
        string metric = MetricName(Job.Evaluation.Metric);
        var values = history.Where(r => r.Name == metric).Select(r => r.Value).Where(v => !double.IsNaN(v)).ToList();
        double? best = values.Count == 0 ? null : Job.Checkpointing.Mode == MetricMode.Min ? values.Min() : values.Max();
        Stopping = new EarlyStopping(Job.Evaluation.Patience, Job.Checkpointing.Mode, best, state.EvaluationsWithoutImprovement);
        Step = state.Step;
        return state;
    }

    /// <summary>The name a metric has in manifests and <c>EvaluationDone</c>.</summary>
    public static string MetricName(EvaluationMetric metric) => metric switch
    {
        EvaluationMetric.Cer => "cer",
        EvaluationMetric.Wer => "wer",
        EvaluationMetric.SiSnri => "si_snri",
        _ => "loss",
    };

    public void Dispose()
    {
        exchange?.Dispose();
        optimizer.Dispose();
        model.Dispose();
    }

    private static Module BuildModel(ResolvedJob resolved, Device device)
    {
        JobSpec job = resolved.Spec;
        if (job.Model.Whisper is { } whisper)
        {
            if (whisper.Pretrained is not { } pretrained) return new WhisperModel(resolved.Whisper!).to(device).train();
            var loaded = WhisperModel.FromPretrained(pretrained, device);
            // The weights' loader reads the checkpoint's config.json itself; it must be the config the job resolved
            // (and the DataNodes build features for), not one changed on disk since.
            if (loaded.Config != resolved.Whisper)
            {
                loaded.Dispose();
                throw new InvalidDataException($"{pretrained}: the checkpoint's config changed after the job was resolved");
            }
            return loaded.train();
        }
        var grid = job.Model.TFGridNetV2 ?? throw new ArgumentException("the job spec names no model");
        var model = new TFGridNetV2(grid.Config);
        if (grid.Pretrained is { } directory)
        {
            using var scope = NewDisposeScope();
            model.load_state_dict(load_safetensors(Path.Combine(directory, CheckpointLayout.ModelFile)), strict: true);
        }
        return model.to(device).train();
    }

    private static LRScheduler? BuildScheduler(ScheduleSpec spec, Optimizer optimizer, Func<int> totalSteps) => spec.Kind switch
    {
        ScheduleKind.Constant => Schedules.ConstantWithWarmup(optimizer, spec.WarmupSteps),
        ScheduleKind.CosineWarmRestarts => new CosineAnnealingWarmRestarts(optimizer, spec.T0, spec.TMult, spec.MinLearningRate),
        // Hugging Face's linear schedule; the total is read per step, as epoch-based jobs learn it from their first schedule.
        _ => Schedules.LinearWithWarmup(optimizer, spec.WarmupSteps, totalSteps),
    };
}
