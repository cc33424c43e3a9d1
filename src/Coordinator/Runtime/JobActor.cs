using Cluster.Coordinator.Jobs;
using Cluster.Shared.Actors;
using Cluster.Shared.Checkpoints;
using Cluster.Shared.Protocol;
using NodeRole = Cluster.Shared.Protocol.NodeRole;

namespace Cluster.Coordinator.Runtime;

/// <summary>
/// <c>/user/job</c>: applies <see cref="JobState"/>'s decisions. It welcomes and watches every node, sends what the
/// state decides, replaces lost trainers and scales data nodes in the embedded mode, and publishes the status. A node
/// that is lost (stopped, killed, or declared unreachable by the failure detector) is also killed when it is a local
/// child, so a frozen process cannot come back into an old group.
/// </summary>
public sealed class JobActor : ActorBase
{
    private static readonly TimeSpan OwnersSettleTime = TimeSpan.FromSeconds(1.5);
    private readonly JobActorSettings settings;
    private readonly Dictionary<string, IActorRef> refs = new(StringComparer.Ordinal);
    // Retired data nodes, watched until they exit: then the trainers ask the new owners for what they did not deliver.
    private readonly Dictionary<string, IActorRef> retiring = new(StringComparer.Ordinal);
    private readonly HashSet<string> everRegistered = new(StringComparer.Ordinal);
    // Who asked for the pause or stop in progress: answered when it ends (see JobState.LastHoldOutcome).
    private readonly List<IActorRef> awaitingHold = [];
    private JobState state;
    // The estimate of the DataNodes that would keep the trainers fed (the autoscaling signal), from recent rates.
    private readonly DataRateWindow rates = new();
    private readonly DataWorkersDesired dataWorkers = new();
    private int nextDataNode;
    private bool shuttingDown;

    public JobActor(JobActorSettings settings)
    {
        this.settings = settings;
        state = settings.Initial;
    }

    public static Props Props(JobActorSettings settings) => Shared.Actors.Props.Create(() => new JobActor(settings));

    protected override void PreStart() => Publish();

    protected override void Receive(object message)
    {
        switch (message)
        {
            case RegisterNode register:
                OnRegister(register);
                break;
            case Terminated terminated:
                OnTerminated(terminated);
                break;
            case StepCommitted commit:
                Record(commit);
                rates.Committed(commit.BatchIds.Count, commit.StepSeconds, commit.DataWaitSeconds);
                Guarded(() => state.Committed(commit), $"step {commit.Step} from rank {commit.Rank}");
                break;
            case BatchSent sent:
                rates.Built(sent.BuildSeconds);
                Apply(state.Sent(sent));
                break;
            case SkippedExamples skipped:
                foreach (SkippedExample example in skipped.Examples) settings.Log($"{skipped.Node} skipped {example.Id} ({example.Path}): {example.Reason}");
                Apply(state.Skipped(skipped));
                break;
            case CheckpointSaved saved:
                OnCheckpointSaved(saved);
                break;
            case EvaluationDone evaluation:
                settings.Log($"evaluation at step {evaluation.Step}: {string.Join(", ", evaluation.Metrics.Select(m => $"{m.Key} {m.Value:F4}"))}");
                Record(evaluation);
                Apply(state.Evaluated(evaluation));
                break;
            case TrainerReady ready:
                settings.Log($"rank {ready.Rank} ready in generation {ready.Generation} at step {ready.ResumedStep}");
                break;
            case TrainerFailed failed:
                settings.Log($"rank {failed.Rank} failed in generation {failed.Generation}: {failed.Reason}");
                Apply(state.TrainerFailed(failed));
                break;
            case TrainingFinished finished:
                Apply(state.TrainingFinished(finished));
                break;
            case JobCommands.ScaleDataNodes scale:
                Sender.Tell(Scale(scale.Count));
                break;
            case JobCommands.Pause pause:
                Halt(state.Phase is JobPhase.Training or JobPhase.Waiting, HoldIntent.Pause, "paused", pause.Checkpoint);
                break;
            case JobCommands.Resume:
                Sender.Tell(Command(state.Phase == JobPhase.Paused, "resumed", () => state.Resume()));
                break;
            case JobCommands.Stop stop:
                Halt(state.Phase != JobPhase.Finished, HoldIntent.Stop, stop.Reason, stop.Checkpoint);
                break;
            case StepsHeld held:
                Apply(state.StepsHeld(held));
                break;
            case JobCommands.HoldTimedOut timedOut:
                Apply(state.HoldTimedOut(timedOut.Generation, settings.StopTimeout));
                break;
            case JobCommands.FormGraceElapsed:
                Apply(state.FormWithAvailable());
                break;
            case JobCommands.OwnersSettled:
                Apply(state.OwnersAgain());
                break;
            case JobCommands.NodeExited exited:
                OnExited(exited);
                break;
            case JobCommands.ShutdownGraceElapsed:
                Complete();
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void OnRegister(RegisterNode register)
    {
        NodeRole role = register.Role;
        if (role is not (NodeRole.Data or NodeRole.Gpu) || string.IsNullOrEmpty(register.Name) || string.IsNullOrEmpty(register.ActorPath))
        {
            settings.Log($"refused a registration without role, name or actor path from {Sender.Path}");
            return;
        }

        if (state.Phase == JobPhase.Finished)
        {
            Sender.Tell(new StopDataNode { Reason = "the job has finished" });
            return;
        }

        IActorRef node = Context.System.ResolveActorRef(register.ActorPath);
        if (refs.Remove(register.Name, out IActorRef? old)) Context.Unwatch(old);
        refs[register.Name] = node;
        everRegistered.Add(register.Name);
        Context.Watch(node);
        object welcome = role == NodeRole.Data
            ? new DataNodeWelcome { JobYaml = settings.JobYaml, JobDirectory = settings.JobDirectory }
            : new TrainerWelcome { JobYaml = settings.JobYaml, JobDirectory = settings.JobDirectory };
        node.Tell(welcome, Self);
        settings.Log($"{register.Name} joined as {(role == NodeRole.Data ? "a data node" : "a trainer")} (pid {register.ProcessId}{(register.Device.Length > 0 ? ", " + register.Device : "")})");
        Guarded(() => state.Register(new NodeInfo(register.Name, role, register.ActorPath, register.ProcessId, register.Device)), $"registration of {register.Name}");
    }

    private void OnTerminated(Terminated terminated)
    {
        string path = terminated.Actor.Path.ToString();
        string? name = refs.FirstOrDefault(pair => pair.Value.Path.ToString() == path).Key;
        if (name is not null)
            NodeGone(name, terminated.AddressTerminated ? " (unreachable)" : "", terminated.AddressTerminated ? NodeFailureReasons.Unreachable : NodeFailureReasons.Disconnected);
        string? retired = retiring.FirstOrDefault(pair => pair.Value.Path.ToString() == path).Key;
        if (retired is not null) Departed(retired);
    }

    /// <summary>A local child that exited is gone for good: its loss is acted on at once rather than when the failure
    /// detector notices. One that exits before it registered cannot be waited for: its log says why, and the job ends.</summary>
    private void OnExited(JobCommands.NodeExited exited)
    {
        if (state.Phase == JobPhase.Finished) return;
        if (retiring.ContainsKey(exited.Name) && !state.Nodes.ContainsKey(exited.Name))
        {
            Departed(exited.Name);
            return;
        }

        if (state.Nodes.TryGetValue(exited.Name, out NodeInfo? node))
        {
            // The pid tells a replacement, already registered under the same name, from the process it replaced.
            if (node.ProcessId == exited.ProcessId && refs.ContainsKey(exited.Name)) NodeGone(exited.Name, $" (exited with code {exited.ExitCode})", NodeFailureReasons.Exited);
            return;
        }

        if (everRegistered.Contains(exited.Name) || settings.Launcher?.Running.Contains(exited.Name) == true) return;
        Apply(state.Finish($"{exited.Name} exited with code {exited.ExitCode} before it registered (see its log in the run directory)", failed: true));
    }

    private void Departed(string name)
    {
        if (retiring.Remove(name, out IActorRef? node)) Context.Unwatch(node);
        settings.Log($"{name} has left (retired)");
        Apply(state.Departed(name));
    }

    private void NodeGone(string name, string how, string failure)
    {
        if (refs.Remove(name, out IActorRef? node)) Context.Unwatch(node);
        NodeRole? role = state.Nodes.TryGetValue(name, out NodeInfo? info) ? info.Role : null;
        bool wasTrainer = role == NodeRole.Gpu;
        settings.Log(state.Phase == JobPhase.Finished ? $"{name} has left" : $"{name} was lost{how}");
        settings.Launcher?.Kill(name);
        if (wasTrainer) state = WithRestorePoint(state);
        Apply(state.Lost(name, failure));
        if (role is { } lost && NodeFleet.ReplacesLost(lost, state.Phase) && settings.Launcher is { } launcher)
        {
            settings.Log($"starting a replacement for {name}");
            launcher.Launch(lost, name);
        }
    }

    private void OnCheckpointSaved(CheckpointSaved saved)
    {
        try
        {
            var trainerState = TrainerState.Load(Path.Combine(saved.Directory, CheckpointLayout.TrainerStateFile));
            settings.Log($"checkpoint of step {saved.Step} in {saved.Directory}");
            Apply(state.Checkpointed(new RestorePoint(saved.Step, saved.Directory, trainerState.Ledger)));
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            settings.Log($"checkpoint of step {saved.Step} in {saved.Directory} is not usable: {error.Message}");
        }
    }

    /// <summary>Before a group is torn down, the newest intact checkpoint on disk is the one to roll back to (the one
    /// reported last may have been damaged since). A coordinator that cannot see the directory (nodes elsewhere, without
    /// shared storage) trusts the reports.</summary>
    private JobState WithRestorePoint(JobState current)
    {
        if (!Directory.Exists(settings.CheckpointRoot)) return current;
        try
        {
            return current.WithLatestCheckpoint(LatestCheckpoint.Find(settings.CheckpointRoot, settings.Log));
        }
        catch (Exception error) when (error is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            settings.Log($"cannot read the checkpoints in {settings.CheckpointRoot}: {error.Message}; keeping the last one reported");
            return current;
        }
    }

    private JobCommands.Reply Scale(int count)
    {
        if (settings.Launcher is not { } launcher) return new JobCommands.Reply(false, "scaling needs the embedded mode, where the coordinator starts the nodes");
        if (count < 1) return new JobCommands.Reply(false, $"data_nodes must be at least 1, not {count}");
        if (state.Phase == JobPhase.Finished) return new JobCommands.Reply(false, "the job has finished");
        var current = state.DataNodes;
        var plan = NodeFleet.Scale(current, count, nextDataNode);
        nextDataNode = plan.NextIndex;
        foreach (string name in plan.Launch) launcher.Launch(NodeRole.Data, name);
        foreach (string retired in plan.Retire)
        {
            Apply(state.Retire(retired));
            if (refs.Remove(retired, out IActorRef? node)) retiring[retired] = node;
        }

        return new JobCommands.Reply(true, $"scaling data nodes from {current.Count} to {count}");
    }

    /// <summary>A pause or stop: answered when it has ended, which with a checkpoint takes until the trainers have
    /// finished their step and rank 0 has written it.</summary>
    private void Halt(bool allowed, HoldIntent intent, string reason, bool checkpoint)
    {
        if (!allowed)
        {
            Sender.Tell(new JobCommands.Reply(false, $"the job is {state.Phase.ToString().ToLowerInvariant()}"));
            return;
        }

        awaitingHold.Add(Sender);
        Apply(state.Halt(intent, reason, checkpoint));
        if (state.Holding is { } hold) settings.Log($"{(hold.Intent == HoldIntent.Pause ? "pausing" : "stopping")}: checkpointing the current step first");
    }

    private JobCommands.Reply Command(bool allowed, string done, Func<JobTransition> transition)
    {
        if (!allowed) return new JobCommands.Reply(false, $"the job is {state.Phase.ToString().ToLowerInvariant()}");
        Apply(transition());
        return new JobCommands.Reply(true, done);
    }

    private void Guarded(Func<JobTransition> decide, string what)
    {
        try
        {
            Apply(decide());
        }
        catch (Exception error) when (error is ArgumentException or InvalidDataException or InvalidOperationException)
        {
            settings.Log($"ignored {what}: {error.Message}");
        }
    }

    private void Apply(JobTransition transition)
    {
        JobState before = state;
        HoldOutcome? outcomeBefore = state.LastHoldOutcome;
        long generationBefore = state.Generation;
        long assignedBefore = state.AssignVersion;
        long trainedBefore = state.CompletedStep;
        state = transition.State;
        if (state.AdoptedFromCheckpoint(before) is { Count: > 0 } adopted) RecordAdopted(state.ResumeFrom!, adopted);
        foreach (Dispatch dispatch in transition.Messages)
        {
            if (refs.TryGetValue(dispatch.Node, out IActorRef? node)) node.Tell(dispatch.Message, Self);
        }

        if (settings.Launcher is { } launcher)
        {
            foreach (string trainer in NodeFleet.TrainersToRestart(trainedBefore, transition))
            {
                settings.Log($"restarting {trainer}: there is no checkpoint to roll back to");
                launcher.Kill(trainer);
            }
        }

        if (state.Holding is { } hold && before.Holding is null)
            Context.Timers.StartSingleTimer("hold", new JobCommands.HoldTimedOut(hold.Generation), settings.StopTimeout);
        if (state.Holding is null) Context.Timers.Cancel("hold");
        if (!ReferenceEquals(state.LastHoldOutcome, outcomeBefore) && state.LastHoldOutcome is { } outcome)
        {
            settings.Log(outcome.Message);
            foreach (IActorRef asker in awaitingHold) asker.Tell(new JobCommands.Reply(true, outcome.Message));
            awaitingHold.Clear();
        }

        if (state.AssignVersion != assignedBefore && state.Phase == JobPhase.Training)
            Context.Timers.StartSingleTimer("owners", new JobCommands.OwnersSettled(), OwnersSettleTime);
        if (state.Generation != generationBefore && state.Phase == JobPhase.Training)
            settings.Log($"group generation {state.Generation}: {string.Join(", ", state.Ranks.Members.Select((m, r) => $"rank {r} {m}"))}{(state.ResumeFrom is { } from ? $", resuming from step {from.Step}" : "")}");
        if (state.Phase == JobPhase.Waiting && state.Trainers.Count > 0 && !Context.Timers.IsTimerActive("form"))
            Context.Timers.StartSingleTimer("form", new JobCommands.FormGraceElapsed(), settings.FormGrace);
        if (state.Phase != JobPhase.Waiting) Context.Timers.Cancel("form");
        if (state.Phase == JobPhase.Finished && !shuttingDown)
        {
            shuttingDown = true;
            settings.Log($"job finished: {state.FinishReason}");
            Context.Timers.StartSingleTimer("shutdown", new JobCommands.ShutdownGraceElapsed(), settings.ShutdownGrace);
        }

        Publish();
        if (shuttingDown && refs.Count == 0) Complete();
    }

    private void Record(StepCommitted commit)
    {
        string line = System.Text.Json.JsonSerializer.Serialize(new
        {
            generation = commit.Generation,
            rank = commit.Rank,
            step = commit.Step,
            epoch = commit.Epoch,
            batch_ids = commit.BatchIds.ToArray(),
            loss = double.IsFinite(commit.Loss) ? commit.Loss : (double?)null, // JSON has no NaN
            examples = commit.Examples,
            step_seconds = commit.StepSeconds,
            data_wait_seconds = commit.DataWaitSeconds,
            current = commit.Generation == state.Generation && state.Phase == JobPhase.Training,
            // When the coordinator received it: wall-clock throughput over a run, evaluations and checkpoints included.
            received_unix_seconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        });
        File.AppendAllLines(Path.Combine(settings.RunDirectory, RunCurves.CommitsFile), [line]);
    }

    private void Record(EvaluationDone evaluation)
    {
        string line = System.Text.Json.JsonSerializer.Serialize(new
        {
            generation = evaluation.Generation,
            step = evaluation.Step,
            metrics = evaluation.Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? m.Value : (double?)null),
            received_unix_seconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        });
        File.AppendAllLines(Path.Combine(settings.RunDirectory, RunCurves.EvaluationsFile), [line]);
    }

    /// <summary>Batches the ledger took from a checkpoint instead of from commits (see JobState.AdoptedFromCheckpoint):
    /// one line with rank -1 and <c>adopted_from_checkpoint</c>, so the record still accounts for every batch.</summary>
    private void RecordAdopted(RestorePoint checkpoint, IReadOnlyList<string> batchIds)
    {
        settings.Log($"step {checkpoint.Step} counts from its checkpoint: its commits never arrived ({batchIds.Count} batch(es))");
        string line = System.Text.Json.JsonSerializer.Serialize(new
        {
            generation = state.Generation,
            rank = -1,
            step = checkpoint.Step,
            epoch = state.Ledger.Epoch,
            batch_ids = batchIds,
            adopted_from_checkpoint = checkpoint.Directory,
            current = true,
            received_unix_seconds = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0,
        });
        File.AppendAllLines(Path.Combine(settings.RunDirectory, RunCurves.CommitsFile), [line]);
    }

    private void Publish() => settings.Board.Publish(JobStatus.From(settings.JobName, state) with
    {
        DataWorkersDesired = dataWorkers.Decide(rates.Rates(settings.DataNodeWorkers), state.DataNodes.Count),
    });

    private void Complete()
    {
        if (settings.Launcher is { } launcher)
        {
            foreach (string name in launcher.Running) launcher.Kill(name);
        }

        // Before status.json, so a run directory that holds the final status holds its curves too.
        try
        {
            foreach (string curve in RunCurves.Write(settings.RunDirectory, settings.JobName)) settings.Log($"wrote {curve}");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or System.Text.Json.JsonException
            or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            // A record that cannot be read or a picture that cannot be drawn does not fail a job that ended; the
            // records are kept.
            settings.Log($"the run's curves were not drawn: {error.Message}");
        }

        JobStatus final = JobStatus.From(settings.JobName, state);
        string path = Path.Combine(settings.RunDirectory, "status.json");
        File.WriteAllText(path + ".tmp", System.Text.Json.JsonSerializer.Serialize(final, JobStatus.Json));
        File.Move(path + ".tmp", path, overwrite: true);
        settings.Board.Complete(final);
    }
}
