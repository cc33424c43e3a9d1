using Cluster.DataNode.Batches;
using Cluster.Shared.Actors;
using Cluster.Shared.Cli;
using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;
using static Cluster.DataNode.ShardProtocol;
using WireNodeRole = Cluster.Shared.Protocol.NodeRole;

namespace Cluster.DataNode;

/// <summary>
/// The data node's main actor (<c>/user/data-node</c>): registers with the coordinator, loads the job's data on the
/// welcome, keeps one <see cref="ShardActor"/> per assigned shard, routes trainers' requests to them (a request is a
/// credit: only requested batches are built), and exits when told to stop (0) or when the coordinator is lost (non-zero).
/// The process exit code is set on <paramref name="exit"/>.
/// </summary>
public sealed class DataNodeActor(DataNodeSettings settings, TaskCompletionSource<int> exit) : ActorBase
{
    public const string Name = "data-node";

    private readonly Dictionary<ShardKey, IActorRef> _shards = [];
    private readonly Dictionary<(int Epoch, string BatchId), ShardKey> _owner = [];
    private readonly Dictionary<ShardKey, int> _inFlight = [];
    private IActorRef _coordinator = ActorRefs.Nobody;
    private DataNodeContext? _context;
    private bool _loading;
    private long _assignmentVersion = -1;
    // The newest epoch of the current assignment (int.MaxValue when it is empty: a request of any epoch is answered).
    private int _assignedEpoch = -1;
    private string? _stopReason;

    private sealed record ProducerReady(IBatchProducer Producer);

    private sealed record ProducerFailed(Exception Cause);

    protected override void PreStart()
    {
        _coordinator = Context.System.ResolveActorRef($"{settings.Coordinator}/user/job");
        Context.Watch(_coordinator);
        _coordinator.Tell(new RegisterNode
        {
            Role = WireNodeRole.Data,
            Name = settings.Name,
            ActorPath = Self.Path.ToString(),
            ProcessId = Environment.ProcessId,
        }, Self);
        settings.Log($"registering with {_coordinator.Path}");
    }

    protected override void Receive(object message)
    {
        switch (message)
        {
            case DataNodeWelcome welcome:
                Load(welcome);
                break;
            case ProducerReady ready:
                _context = new DataNodeContext(settings.Name, _coordinator, ready.Producer, settings.Workers, settings.Log);
                settings.Log("job data loaded; serving batches");
                Context.Stash.UnstashAll();
                break;
            case ProducerFailed failed:
                Exit(ExitCodes.Failure, $"cannot load the job's data: {failed.Cause.Message}");
                break;
            case AssignShards or RequestBatches when _context is null:
            case StopDataNode when _loading && _context is null:
                Context.Stash.Stash(); // served once the job's data is loaded
                break;
            case AssignShards assign:
                Assign(assign);
                break;
            case RequestBatches request when _stopReason is null && request.Epoch > _assignedEpoch:
                // The coordinator assigns a new epoch's shards before it sends the trainers that epoch's schedule, but
                // over another connection, so a trainer's request can overtake the assignment: it waits for it here
                // instead of being refused (a refused trainer waits until the coordinator sends the owners again).
                Context.Stash.Stash();
                break;
            case RequestBatches request:
                Route(request);
                break;
            case RequestsDone done:
                Done(done);
                break;
            case StopDataNode stop:
                _stopReason = string.IsNullOrEmpty(stop.Reason) ? "stop requested" : stop.Reason;
                settings.Log($"stopping ({_stopReason}) after {_inFlight.Values.Sum()} batch(es) in flight");
                Context.Stash.UnstashAll(); // requests waiting for their epoch's assignment are refused now
                ExitIfIdle();
                break;
            case Terminated terminated when terminated.Actor.Equals(_coordinator):
                Exit(ExitCodes.Failure, $"lost the coordinator at {_coordinator.Path}; exiting");
                break;
            case Terminated:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    private void Load(DataNodeWelcome welcome)
    {
        if (_loading) return; // a repeated welcome changes nothing: the job of a running node is fixed
        _loading = true;
        JobSpec job;
        try
        {
            job = JobSpecLoader.Parse(welcome.JobYaml, "job spec from the coordinator", welcome.JobDirectory);
        }
        catch (JobSpecException error)
        {
            Exit(ExitCodes.Failure, $"the coordinator's job spec is invalid: {error.Message}");
            return;
        }
        settings.Log($"welcome: job '{job.Name}'; loading manifests");
        Task.Run(() => settings.CreateProducer(job))
            .PipeTo(Self, success: producer => new ProducerReady(producer), failure: cause => new ProducerFailed(cause));
    }

    private void Assign(AssignShards assign)
    {
        if (assign.Version < _assignmentVersion) return; // an older assignment overtaken by a newer one
        _assignmentVersion = assign.Version;
        var wanted = assign.Shards.ToDictionary(
            s => new ShardKey(s.Epoch, s.Shard),
            s => (IReadOnlyDictionary<string, IReadOnlyList<string>>)s.Batches.ToDictionary(b => b.BatchId, b => (IReadOnlyList<string>)[.. b.ItemIds], StringComparer.Ordinal));
        foreach (var gone in _shards.Keys.Where(key => !wanted.ContainsKey(key)).ToList())
        {
            // Its requests in flight are dropped with it: the new owner builds them when the trainers ask again.
            Context.Stop(_shards[gone]);
            _shards.Remove(gone);
            _inFlight.Remove(gone);
        }
        _owner.Clear();
        foreach ((var key, var batches) in wanted)
        {
            if (_shards.TryGetValue(key, out var shard)) shard.Tell(new ReplaceBatches(batches), Self);
            else _shards[key] = Context.ActorOf(Props.Create(() => new ShardActor(key, batches, _context!)), key.ActorName);
            foreach (string batchId in batches.Keys) _owner[(key.Epoch, batchId)] = key;
        }
        _assignedEpoch = assign.Shards.Count == 0 ? int.MaxValue : assign.Shards.Max(s => s.Epoch);
        settings.Log($"assignment {assign.Version}: {_shards.Count} shard(s), {_owner.Count} batches");
        Context.Stash.UnstashAll(); // requests that overtook this assignment
        ExitIfIdle();
    }

    private void Route(RequestBatches request)
    {
        foreach (string batchId in request.BatchIds)
        {
            string? refusal = _stopReason is not null ? $"{settings.Name} is stopping"
                : _owner.TryGetValue((request.Epoch, batchId), out var key) ? null
                : $"{settings.Name} does not own the shard of batch {batchId} (epoch {request.Epoch})";
            if (refusal is not null)
            {
                Sender.Tell(new BatchUnavailable { Epoch = request.Epoch, BatchId = batchId, Reason = refusal }, Self);
                continue;
            }
            var shard = _owner[(request.Epoch, batchId)];
            _inFlight[shard] = _inFlight.GetValueOrDefault(shard) + 1;
            _shards[shard].Tell(new BuildBatch(request.Epoch, batchId, Sender), Self);
        }
    }

    private void Done(RequestsDone done)
    {
        if (_inFlight.TryGetValue(done.Shard, out int count)) _inFlight[done.Shard] = Math.Max(0, count - done.Requests);
        ExitIfIdle();
    }

    private void ExitIfIdle()
    {
        if (_stopReason is not null && _inFlight.Values.All(count => count == 0))
            Exit(ExitCodes.Ok, $"stopped: {_stopReason}");
    }

    private void Exit(int code, string why)
    {
        settings.Log(why);
        exit.TrySetResult(code);
    }
}
