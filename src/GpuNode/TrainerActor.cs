using System.Diagnostics;
using Cluster.Shared.Actors;
using Cluster.Shared.Checkpoints;
using Cluster.Shared.Cli;
using Cluster.Shared.Jobs;
using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;
using Cluster.Torch;
using Cluster.Torch.Cpu;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode;

/// <summary>
/// <c>/user/trainer</c>: registers with the coordinator, forms process groups, requests this rank's batches within the
/// credit window and hands complete steps to the <see cref="TrainingWorker"/>; reports each committed step and rank 0's
/// checkpoints. The decisions live in <see cref="EpochWork"/> and <see cref="RankSchedule"/> (which batches, within
/// which credits, what to ask again), <see cref="StepDuties"/> (evaluation and checkpoint cadence, backend),
/// <see cref="CheckpointCursor"/> and <see cref="TrainerCore"/>; the actor keeps the generation's state (group formed,
/// step running, held for a pause) and sequences messages and work around them.
/// </summary>
public sealed class TrainerActor : ActorBase
{
    // Work that belongs to no process group (building the model): its failure ends the node whatever the generation.
    private const long BeforeAnyGroup = long.MinValue;
    private readonly TrainerOptions options;
    private TrainerMetrics? metrics;
    private readonly NodeExit exit;
    // Shard owners are the same for the current epoch and one sent ahead (the coordinator has one allocator for both).
    private readonly Dictionary<int, string> shardOwners = [];
    // Runs while this trainer is free to train but its next step's batches (or the schedule they belong to) are not all
    // there: restarted when the group has formed and when a step's work (evaluation and checkpoint included) is done,
    // read when the next step starts. The wait for a next epoch's schedule counts; the forming of a group does not.
    private readonly Stopwatch waiting = new();
    private IActorRef coordinator = ActorRefs.Nobody;
    private TrainingWorker? worker;
    private TrainerCore? core;
    private JobSpec? job;
    private string jobDirectory = "";
    private long generation = -1;
    private int rank;
    private ProcessGroup? group;
    private TcpStore? store;
    private bool groupReady;
    // The epoch this rank trains, and the next one when the coordinator sent it ahead: its batches are requested with
    // the credits the current epoch frees, so they are there when the current epoch's last step is done.
    private EpochWork? current;
    private EpochWork? upcoming;
    private bool stepRunning;
    private bool finished;
    private CancellationTokenSource? joining;
    // A pause or stop is coming (HoldSteps): no step starts unless it is at most holdTarget (CheckpointAt), the step
    // every rank stops after; rank 0 then checkpoints that step unless one exists.
    private bool holding;
    private long? holdTarget;
    private bool savingHeld;
    private long runningStep;
    private long lastStep;
    private long lastSavedStep;
    // The evaluation of lastStep, when it had one: a held checkpoint of an evaluation step ranks like a periodic one.
    private IReadOnlyDictionary<string, double>? lastStepMetrics;

    public TrainerActor(TrainerOptions options, NodeExit exit)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(exit);
        this.options = options;
        this.exit = exit;
    }

    protected override void PreStart()
    {
        coordinator = Context.System.ResolveActorRef(options.CoordinatorJobPath);
        Context.Watch(coordinator);
        coordinator.Tell(new RegisterNode
        {
            Role = NodeRole.Gpu,
            Name = options.Name,
            ActorPath = Self.Path.ToString(),
            ProcessId = Environment.ProcessId,
            Device = options.Device,
        }, Self);
    }

    protected override void PostStop()
    {
        joining?.Cancel();
        group?.Abort();
        // A worker stuck in a rendezvous cannot be interrupted; the process ends without releasing what it holds.
        if (worker is not null && !worker.Stop(TimeSpan.FromSeconds(10))) return;
        group?.Dispose();
        store?.Dispose();
        core?.Dispose();
        metrics?.Dispose();
    }

    protected override void Receive(object message)
    {
        switch (message)
        {
            case TrainerWelcome welcome: OnWelcome(welcome); break;
            case FormGroup form: OnFormGroup(form); break;
            case GroupFormed formed: OnGroupFormed(formed); break;
            case EpochSchedule epochSchedule: OnSchedule(epochSchedule); break;
            case BatchData batch: OnBatch(batch); break;
            case BatchUnavailable unavailable: OnUnavailable(unavailable); break;
            case ShardOwners owners: OnShardOwners(owners); break;
            case StepDone done: OnStepDone(done); break;
            case HoldSteps hold: OnHold(hold); break;
            case CheckpointAt at: OnCheckpointAt(at); break;
            case HeldCheckpointSaved saved: OnHeldCheckpointSaved(saved); break;
            case AbortGroup abort: OnAbort(abort); break;
            case WorkFailed failed: OnWorkFailed(failed); break;
            case StopTraining stop: Exit(ExitCodes.Ok, $"stopped by the coordinator: {stop.Reason}"); break;
            case Terminated terminated when terminated.Actor.Path.Equals(coordinator.Path):
                Exit(ExitCodes.Failure, "the coordinator was lost; stopping");
                break;
            default: Unhandled(message); break;
        }
    }

    private void OnWelcome(TrainerWelcome welcome)
    {
        if (job is not null) return;
        try
        {
            job = JobSpecLoader.Parse(welcome.JobYaml, "the coordinator's job spec", welcome.JobDirectory);
        }
        catch (JobSpecException e)
        {
            coordinator.Tell(new TrainerFailed { Generation = generation, Rank = rank, Reason = e.Message }, Self);
            Exit(ExitCodes.Failure, $"the job spec is not valid: {e.Message}");
            return;
        }
        jobDirectory = welcome.JobDirectory;
        var spec = job;
        var device = Device.Parse(options.Device);
        string cpuInfo = File.Exists("/proc/cpuinfo") ? File.ReadAllText("/proc/cpuinfo") : "";
        double? peak = PeakFlops.Of(job.Observability, device.Type == DeviceType.CUDA, job.Cluster.TrainerThreads ?? Environment.ProcessorCount, cpuInfo);
        metrics = new TrainerMetrics(job.Model.Kind.ToString().ToLowerInvariant(), options.Name, peak);
        worker = new TrainingWorker(Self, $"{options.Name}-training");
        worker.Post(() =>
        {
            core = TrainerCore.Create(spec, welcome.JobYaml, device);
            Console.Error.WriteLine($"{options.Name}: {core.Precision.Decision}");
            // Which kernels this trainer's BLAS runs, in its own words: the launcher's choice reached it, or not.
            Console.Error.WriteLine($"{options.Name}: BLAS kernels: {BlasKernels.Ensure().Explanation}; {LoadedOpenBlas.Config() ?? "libblas.so.3 is not OpenBLAS"}");
            return CoreBuilt.Instance;
        }, BeforeAnyGroup);
    }

    private void OnFormGroup(FormGroup form)
    {
        if (worker is null || job is null)
        {
            Console.Error.WriteLine($"{options.Name}: FormGroup before the welcome; ignored");
            return;
        }
        ResetGeneration();
        generation = form.Generation;
        rank = form.Rank;
        joining = new CancellationTokenSource();
        var cancelJoin = joining.Token;
        var previousGroup = group;
        var previousStore = store;
        group = null;
        store = null;
        var backend = StepDuties.Backend(Device.Parse(options.Device));
        var timeout = options.CollectiveTimeout;
        worker.Post(() =>
        {
            previousGroup?.Dispose();
            previousStore?.Dispose();
            var newStore = TcpStore.Client(form.StoreHost, form.StorePort, timeout);
            try
            {
                GroupRendezvous.Arrive(newStore, $"g{form.Generation}", form.WorldSize, timeout, cancelJoin);
            }
            catch
            {
                newStore.Dispose();
                throw;
            }
            var newGroup = new ProcessGroup(newStore, new ProcessGroupOptions
            {
                Backend = backend,
                Rank = form.Rank,
                WorldSize = form.WorldSize,
                Timeout = timeout,
                GroupName = $"g{form.Generation}",
                DeviceHost = form.StoreHost,
            });
            long resumed = 0;
            if (form.ResumeFrom.Length > 0) resumed = core!.Restore(form.ResumeFrom).Step;
            else if (core!.Step > 0) throw new InvalidOperationException($"group {form.Generation} starts from the initial weights, but this trainer already trained to step {core.Step}");
            core.Join(newGroup);
            return new GroupFormed(form.Generation, newGroup, newStore, resumed);
        }, form.Generation);
    }

    private void OnGroupFormed(GroupFormed formed)
    {
        if (formed.Generation != generation)
        {
            formed.Group.Dispose();
            formed.Store.Dispose();
            return;
        }
        group = formed.Group;
        store = formed.Store;
        groupReady = true;
        metrics?.Joined(generation, rank, formed.Group?.WorldSize ?? 1);
        // A resumed group starts at its checkpoint's step, which that checkpoint already holds.
        lastStep = formed.ResumedStep;
        lastSavedStep = formed.ResumedStep;
        lastStepMetrics = null;
        waiting.Restart();
        coordinator.Tell(new TrainerReady { Generation = generation, Rank = rank, ResumedStep = formed.ResumedStep }, Self);
        TryStartStep();
    }

    private void OnSchedule(EpochSchedule message)
    {
        if (message.Generation != generation || job is null) return;
        var work = EpochWork.From(message, rank, job.Cluster.CreditsPerTrainer);
        bool ahead = current is { } now && work.Epoch == now.Epoch + 1;
        // A schedule that replaces the current one (a new group, an epoch not sent ahead) brings the owners of its shards.
        if (!ahead) shardOwners.Clear();
        foreach (var (shard, owner) in message.ShardOwners) shardOwners[shard] = owner;
        if (ahead)
        {
            upcoming = work;
            TryPromote();
        }
        else
        {
            current = work;
            upcoming = null;
            SetTotalSteps(message.TotalSteps);
        }
        RequestWithinCredits();
        TryStartStep();
    }

    /// <summary>The current epoch's steps are all trained and the next one is there: it becomes current.</summary>
    private void TryPromote()
    {
        if (current is null || current.NextStep is not null || upcoming is null || stepRunning) return;
        current = upcoming;
        upcoming = null;
    }

    /// <summary>The current epoch's work or the one sent ahead, by epoch; null for any other.</summary>
    private EpochWork? WorkOf(int epoch) => epoch == current?.Epoch ? current : epoch == upcoming?.Epoch ? upcoming : null;

    /// <summary>The job's length as the coordinator planned it reaches the learning-rate schedule.</summary>
    private void SetTotalSteps(int totalSteps)
    {
        worker!.Post(() =>
        {
            core!.SetTotalSteps(totalSteps);
            return CoreBuilt.Instance;
        }, generation);
    }

    /// <summary>Requests the next batches of the current epoch, then of the one sent ahead, within this rank's credits.</summary>
    private void RequestWithinCredits()
    {
        if (current is null) return;
        Request(current, current.Schedule.TakeRequests());
        if (upcoming is not null) Request(upcoming, upcoming.Schedule.TakeRequests(heldElsewhere: current.Schedule.Open));
    }

    private void OnBatch(BatchData batch)
    {
        if (WorkOf(batch.Epoch) is not { } work || !work.Receive(batch)) return;
        TryStartStep();
    }

    /// <summary>A data node refused a batch (it no longer owns the shard, or it is retiring): asked at once from the
    /// shard's owner when that is another node, else when the coordinator sends owners again.</summary>
    private void OnUnavailable(BatchUnavailable unavailable)
    {
        var work = WorkOf(unavailable.Epoch);
        if (work?.Outstanding(unavailable.BatchId) is not { } entry) return;
        work.Refused(entry.BatchId);
        if (shardOwners.TryGetValue(entry.Shard, out var owner) && !Context.System.ResolveActorRef(owner).Path.Equals(Sender.Path))
        {
            Request(work, [entry]);
            return;
        }
        Console.Error.WriteLine($"{options.Name}: batch {unavailable.BatchId} unavailable ({unavailable.Reason}); waiting for new shard owners");
    }

    private void OnShardOwners(ShardOwners owners)
    {
        // Messages from the coordinator arrive in order, so the owners of any epoch of this generation are the latest
        // ones; they hold for an epoch sent ahead too, which may already be current here while the coordinator, still
        // waiting for other ranks' last commits of the epoch before, names that one.
        if (owners.Generation != generation || current is null) return;
        foreach (var (shard, owner) in owners.ShardOwners_) shardOwners[shard] = owner;
        var finishing = owners.Finishing.ToHashSet(StringComparer.Ordinal);
        Request(current, current.ToAskAgain(shardOwners, finishing));
        if (upcoming is not null) Request(upcoming, upcoming.ToAskAgain(shardOwners, finishing));
    }

    private void Request(EpochWork work, IReadOnlyList<ScheduledEntry> entries)
    {
        foreach (var byShard in entries.GroupBy(e => e.Shard))
        {
            if (!shardOwners.TryGetValue(byShard.Key, out var owner))
            {
                Console.Error.WriteLine($"{options.Name}: shard {byShard.Key} has no owner yet; its batches wait for ShardOwners");
                continue;
            }
            var request = new RequestBatches { Generation = generation, Rank = rank, Epoch = work.Epoch };
            request.BatchIds.AddRange(byShard.Select(e => e.BatchId));
            work.AskedFrom(byShard, owner);
            Context.System.ResolveActorRef(owner).Tell(request, Self);
        }
    }

    private void TryStartStep()
    {
        if (stepRunning || finished || !groupReady || current?.NextStep is not { } step || job is null) return;
        if (holding && (holdTarget is not { } target || step > target)) return;
        if (current.ReadyBatches(step) is not { } batches) return;
        double dataWait = waiting.Elapsed.TotalSeconds;
        stepRunning = true;
        runningStep = step;
        var (spec, stepGeneration, stepRank, stepEpoch, cursorBase, all, stepGroup) = (job, generation, rank, current.Epoch, current.CommittedBefore, current.Schedule.All, group!);
        string checkpointRoot = Path.GetFullPath(Path.Combine(jobDirectory, spec.Checkpointing.Directory));
        bool evaluates = StepDuties.Evaluates(spec, step);
        bool checkpoints = StepDuties.Checkpoints(spec, step);
        var stepMetrics = metrics;
        worker!.Post(() =>
        {
            var clock = Stopwatch.StartNew();
            var outcome = core!.TrainStep(step, stepRank, batches);
            double stepSeconds = clock.Elapsed.TotalSeconds + dataWait;
            EvaluationResult? evaluation = null;
            if (stepRank == 0 && evaluates)
            {
                long started = Stopwatch.GetTimestamp();
                evaluation = core.Evaluate();
                stepMetrics?.Evaluated(evaluation.Metrics, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
            CheckpointInfo? saved = null;
            if (stepRank == 0 && checkpoints)
                saved = SaveMeasured(stepMetrics, () => core.SaveCheckpoint(checkpointRoot, stepEpoch, CheckpointCursor.At(cursorBase, all, step), evaluation?.Metrics));
            // The other ranks wait here for rank 0's evaluation and checkpoint, outside any step's time: without it they
            // would wait inside the next step's first all-reduce and count rank 0's evaluation as their training time.
            if ((evaluates || checkpoints) && stepGroup.WorldSize > 1) stepGroup.Barrier();
            return new StepDone(stepGeneration, outcome, [.. batches.Select(b => b.BatchId)], saved, evaluation, core.Stopping.ShouldStop,
                stepSeconds, dataWait);
        }, stepGeneration);
    }

    private void OnStepDone(StepDone done)
    {
        if (done.Generation != generation || current is null) return;
        stepRunning = false;
        var outcome = done.Outcome;
        metrics?.Trained(outcome, done.StepSeconds, done.DataWaitSeconds);
        var commit = new StepCommitted
        {
            Generation = generation,
            Rank = rank,
            Step = outcome.Step,
            Epoch = current.Epoch,
            Loss = outcome.Loss,
            LearningRate = outcome.LearningRate,
            GradNorm = outcome.GradNorm,
            Examples = outcome.Examples,
            StepSeconds = done.StepSeconds,
            DataWaitSeconds = done.DataWaitSeconds,
            OptimizerSkipped = outcome.OptimizerSkipped,
        };
        commit.BatchIds.AddRange(done.BatchIds);
        coordinator.Tell(commit, Self);
        string checkpointMetric = TrainerCore.MetricName(job!.Checkpointing.Metric);
        if (done.Evaluation is { } evaluation)
        {
            var report = new EvaluationDone { Generation = generation, Step = outcome.Step };
            foreach (var (name, value) in evaluation.Metrics) report.Metrics[name] = value;
            report.Samples.AddRange(evaluation.Samples);
            coordinator.Tell(report, Self);
        }
        if (done.Checkpoint is { } checkpoint)
        {
            double metric = done.Evaluation?.Metrics.GetValueOrDefault(checkpointMetric, double.NaN) ?? double.NaN;
            coordinator.Tell(new CheckpointSaved { Generation = generation, Step = checkpoint.Step, Directory = checkpoint.Path, Metric = metric }, Self);
        }
        current.Trained(outcome.Step);
        lastStep = outcome.Step;
        lastStepMetrics = done.Evaluation?.Metrics;
        if (done.Checkpoint is not null) lastSavedStep = outcome.Step;
        SaveHeldStep();
        if (done.StopEarly)
        {
            finished = true;
            coordinator.Tell(new TrainingFinished
            {
                Generation = generation,
                Rank = rank,
                Step = outcome.Step,
                Reason = $"early stopping: {job.Evaluation.Patience} evaluations without improvement",
            }, Self);
            return;
        }
        if (job.Schedule.MaxSteps is { } maxSteps && outcome.Step >= maxSteps)
        {
            // The coordinator ends the job when this step is committed by every rank (JobState); the rank only makes
            // sure it trains no step past the limit with the batches it still holds while the stop is on its way.
            finished = true;
            return;
        }
        waiting.Restart();
        TryPromote();
        RequestWithinCredits();
        TryStartStep();
    }

    private void OnHold(HoldSteps hold)
    {
        if (hold.Generation != generation) return;
        holding = true;
        long frontier = !groupReady ? -1 : stepRunning ? runningStep : lastStep;
        Console.Error.WriteLine($"{options.Name}: holding at step {frontier} for a pause or stop");
        coordinator.Tell(new StepsHeld { Generation = generation, Rank = rank, Frontier = frontier }, Self);
    }

    private void OnCheckpointAt(CheckpointAt at)
    {
        if (at.Generation != generation || !holding) return;
        holdTarget = at.Step;
        TryStartStep();
        SaveHeldStep();
    }

    /// <summary>Rank 0, held after the agreed step: checkpoints it when no periodic checkpoint did. It runs outside any
    /// step (the other ranks are held, so no barrier is needed), with the ledger cursor of that step as periodic ones.</summary>
    private void SaveHeldStep()
    {
        if (rank != 0 || holdTarget is not { } target || lastStep != target || target <= 0 || lastSavedStep == target
            || stepRunning || savingHeld || current is null || job is null)
            return;
        savingHeld = true;
        // When the held step closed an epoch and the next one is already current, its cursor (nothing committed, at the
        // held step) records the same progress as the closed epoch's would.
        var (saveGeneration, saveEpoch, cursorBase, all, metrics) = (generation, current.Epoch, current.CommittedBefore, current.Schedule.All, lastStepMetrics);
        string checkpointRoot = Path.GetFullPath(Path.Combine(jobDirectory, job.Checkpointing.Directory));
        var saveMetrics = this.metrics;
        worker!.Post(() => new HeldCheckpointSaved(saveGeneration,
            SaveMeasured(saveMetrics, () => core!.SaveCheckpoint(checkpointRoot, saveEpoch, CheckpointCursor.At(cursorBase, all, target), metrics))), saveGeneration);
    }

    // On the worker's thread (the instruments are thread-safe): the checkpoint's time and size, or its failure.
    private static CheckpointInfo SaveMeasured(TrainerMetrics? metrics, Func<CheckpointInfo> save)
    {
        long started = Stopwatch.GetTimestamp();
        CheckpointInfo saved;
        try
        {
            saved = save();
        }
        catch
        {
            metrics?.CheckpointFailed();
            throw;
        }
        long bytes = new DirectoryInfo(saved.Path).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        metrics?.Checkpointed(DateTimeOffset.UtcNow, Stopwatch.GetElapsedTime(started).TotalSeconds, bytes);
        return saved;
    }

    private void OnHeldCheckpointSaved(HeldCheckpointSaved saved)
    {
        if (saved.Generation != generation) return;
        savingHeld = false;
        lastSavedStep = saved.Checkpoint.Step;
        Console.Error.WriteLine($"{options.Name}: checkpoint of step {saved.Checkpoint.Step} for the pause or stop in {saved.Checkpoint.Path}");
        // Not an evaluation unless its step was one anyway: without a metric it counts for keep-last only.
        double metric = lastStepMetrics?.GetValueOrDefault(TrainerCore.MetricName(job!.Checkpointing.Metric), double.NaN) ?? double.NaN;
        coordinator.Tell(new CheckpointSaved { Generation = generation, Step = saved.Checkpoint.Step, Directory = saved.Checkpoint.Path, Metric = metric }, Self);
    }

    private void OnAbort(AbortGroup abort)
    {
        if (abort.Generation != generation) return;
        Console.Error.WriteLine($"{options.Name}: leaving group {generation}: {abort.Reason}");
        // From the actor's thread: the worker may be blocked inside a collective that only the abort ends.
        group?.Abort();
        ResetGeneration();
    }

    private void OnWorkFailed(WorkFailed failed)
    {
        if (failed.Generation == BeforeAnyGroup)
        {
            coordinator.Tell(new TrainerFailed { Generation = generation, Rank = rank, Reason = $"cannot build the trainer: {failed.Error.Message}" }, Self);
            Exit(ExitCodes.Failure, $"cannot build the trainer: {failed.Error.Message}");
            return;
        }
        if (failed.Generation != generation)
        {
            // A collective of an aborted group failing is expected; the next FormGroup starts over.
            Console.Error.WriteLine($"{options.Name}: after abort: {failed.Error.Message}");
            return;
        }
        Console.Error.WriteLine($"{options.Name}: training failed: {failed.Error}");
        coordinator.Tell(new TrainerFailed { Generation = generation, Rank = rank, Reason = failed.Error.Message }, Self);
    }

    private void ResetGeneration()
    {
        // A join still waiting for its ranks is over: that group will not form.
        // (Not disposed: the worker may still be looking at its token.)
        joining?.Cancel();
        joining = null;
        generation = -1;
        groupReady = false;
        current = null;
        upcoming = null;
        stepRunning = false;
        finished = false;
        holding = false;
        holdTarget = null;
        savingHeld = false;
    }

    private void Exit(int code, string reason)
    {
        Console.Error.WriteLine($"{options.Name}: {reason}");
        exit.Set(code, reason);
        group?.Abort();
        _ = Context.System.TerminateAsync();
    }

    private sealed record GroupFormed(long Generation, ProcessGroup Group, TcpStore Store, long ResumedStep);

    private sealed record StepDone(long Generation, StepOutcome Outcome, IReadOnlyList<string> BatchIds, CheckpointInfo? Checkpoint,
        EvaluationResult? Evaluation, bool StopEarly, double StepSeconds, double DataWaitSeconds);

    private sealed record HeldCheckpointSaved(long Generation, CheckpointInfo Checkpoint);

    private sealed record CoreBuilt
    {
        public static CoreBuilt Instance { get; } = new();
    }
}
