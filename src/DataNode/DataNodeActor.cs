using Cluster.DataNode.Batches;
using Cluster.Shared.Actors;
using Cluster.Shared.Cli;
using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;
using static Cluster.DataNode.ShardProtocol;

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

    private readonly ShardTable _table = new();
    private readonly Dictionary<ShardKey, IActorRef> _shards = [];
    private IActorRef _coordinator = ActorRefs.Nobody;
    private DataNodeContext? _context;
    private bool _loading;

    private sealed record ProducerReady(IBatchProducer Producer);

    private sealed record ProducerFailed(Exception Cause);

    protected override void PreStart()
    {
        _coordinator = Context.System.ResolveActorRef($"{settings.Coordinator}/user/job");
        Context.Watch(_coordinator);
        _coordinator.Tell(new RegisterNode
        {
            Role = NodeRole.Data,
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
                _context = new DataNodeContext(settings.Name, _coordinator, ready.Producer, settings.Workers, settings.Log, settings.Metrics);
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
            case RequestBatches request when _table.MustWait(request.Epoch):
                Context.Stash.Stash(); // it overtook its epoch's assignment
                break;
            case RequestBatches request:
                Route(request);
                break;
            case RequestsDone done:
                _table.Answered(done.Shard, done.Requests);
                settings.Metrics.Serving(_table.InFlight, _table.Shards);
                ExitIfIdle();
                break;
            case StopDataNode stop:
                _table.Stop(stop.Reason);
                settings.Log($"stopping ({_table.StopReason}) after {_table.InFlight} batch(es) in flight");
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
        var shards = assign.Shards.ToDictionary(
            s => new ShardKey(s.Epoch, s.Shard),
            s => (IReadOnlyDictionary<string, IReadOnlyList<string>>)s.Batches.ToDictionary(b => b.BatchId, b => (IReadOnlyList<string>)[.. b.ItemIds], StringComparer.Ordinal));
        if (_table.Assign(assign.Version, shards) is not { } change) return;
        foreach (var gone in change.Dropped)
        {
            Context.Stop(_shards[gone]);
            _shards.Remove(gone);
        }
        foreach (var (key, batches) in change.Kept) _shards[key].Tell(new ReplaceBatches(batches), Self);
        foreach (var (key, batches) in change.Added) _shards[key] = Context.ActorOf(Props.Create(() => new ShardActor(key, batches, _context!)), key.ActorName);
        settings.Log($"assignment {assign.Version}: {_table.Shards} shard(s), {_table.Batches} batches");
        settings.Metrics.Serving(_table.InFlight, _table.Shards);
        Context.Stash.UnstashAll(); // requests that overtook this assignment
        ExitIfIdle();
    }

    private void Route(RequestBatches request)
    {
        foreach (var routed in _table.Route(settings.Name, request.Epoch, request.BatchIds))
        {
            if (routed.Shard is { } shard) _shards[shard].Tell(new BuildBatch(request.Epoch, routed.BatchId, Sender), Self);
            else Sender.Tell(new BatchUnavailable { Epoch = request.Epoch, BatchId = routed.BatchId, Reason = routed.Refusal }, Self);
        }
        settings.Metrics.Serving(_table.InFlight, _table.Shards);
    }

    private void ExitIfIdle()
    {
        if (_table.CanExit) Exit(ExitCodes.Ok, $"stopped: {_table.StopReason}");
    }

    private void Exit(int code, string why)
    {
        settings.Log(why);
        exit.TrySetResult(code);
    }
}
