using System.Text;
using Cluster.DataNode.Batches;
using Cluster.Shared.Actors;
using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;
using Cluster.Shared.Remoting;

namespace Cluster.DataNode.Tests;

/// <summary>
/// A data node actor in its own actor system, with a fake coordinator (<c>coordinator/user/job</c>) and a fake trainer
/// (<c>gpu-0/user/trainer</c>) in two more, all over remoting on 127.0.0.1 with one secret.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    public static readonly byte[] Secret = Encoding.UTF8.GetBytes("the job secret, 32 bytes long!!!");

    private readonly List<ActorSystem> _systems = [];
    private readonly WorkerPool _workers = new(2);
    private readonly List<string> _log = [];

    public ClusterHarness()
    {
        CoordinatorSystem = Start("coordinator");
        Coordinator = new Inbox(CoordinatorSystem, "job");
        TrainerSystem = Start("gpu-0");
        Trainer = new Inbox(TrainerSystem, "trainer");
    }

    public ActorSystem CoordinatorSystem { get; }

    public ActorSystem TrainerSystem { get; }

    public Inbox Coordinator { get; }

    public Inbox Trainer { get; }

    public TaskCompletionSource<int> Exit { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Log
    {
        get
        {
            lock (_log) return string.Join('\n', _log);
        }
    }

    public static RemoteOptions RemoteOptions(byte[] secret) => new()
    {
        Secret = secret,
        Messages = ClusterMessages.CreateRegistry(),
        // Tolerant enough that a loaded CI machine (several test processes on two cores) is not mistaken for a lost
        // peer; a system that terminates is still noticed at once through DeathWatch.
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        AcceptableHeartbeatPause = TimeSpan.FromSeconds(3),
        MinimumStandardDeviation = TimeSpan.FromMilliseconds(100),
        HandshakeTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>Starts the node; returns its registration and its actor as the trainer's system sees it.</summary>
    public async Task<(RegisterNode Registration, IActorRef NodeForTrainer)> StartNodeAsync(Func<JobSpec, IBatchProducer>? producer = null)
    {
        var system = Start("data-1");
        var settings = new DataNodeSettings("data-1", CoordinatorSystem.Address.ToString(), _workers,
            producer ?? (job => BatchProducers.FromJob(job, "data-1")), line => { lock (_log) _log.Add(line); });
        system.ActorOf(Props.Create(() => new DataNodeActor(settings, Exit)), DataNodeActor.Name);
        var registration = await Coordinator.ExpectAsync<RegisterNode>();
        return (registration, TrainerSystem.ResolveActorRef(registration.ActorPath));
    }

    /// <summary>The node registered, was welcomed with the corpus's job and given the corpus's two shards.</summary>
    public async Task<IActorRef> StartServingAsync(TinyCorpus corpus, Func<JobSpec, IBatchProducer>? producer = null)
    {
        var (registration, forTrainer) = await StartNodeAsync(producer);
        var node = CoordinatorSystem.ResolveActorRef(registration.ActorPath);
        node.Tell(corpus.Welcome, Coordinator.Ref);
        node.Tell(TinyCorpus.Assignment(), Coordinator.Ref);
        return forTrainer;
    }

    public void Request(IActorRef node, int epoch, params string[] batchIds)
    {
        var request = new RequestBatches { Generation = 1, Rank = 0, Epoch = epoch };
        request.BatchIds.AddRange(batchIds);
        node.Tell(request, Trainer.Ref);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var system in _systems) await system.TerminateAsync();
        _workers.Dispose();
    }

    private ActorSystem Start(string name)
    {
        var system = ActorSystem.Create(name, new ActorSystemOptions { Remote = RemoteOptions(Secret), Log = e => { lock (_log) _log.Add(e.ToString()); } });
        _systems.Add(system);
        return system;
    }
}
