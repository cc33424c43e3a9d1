using System.Collections.Concurrent;
using Cluster.Shared.Actors;
using Cluster.Shared.Checkpoints;
using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;
using Cluster.Torch;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode.Tests;

/// <summary>The trainer actor in one process with an in-test coordinator, data node and peer rank.</summary>
public sealed class TrainerActorTests : IDisposable
{
    // How long a stuck trainer may take to show it; passing runs take seconds.
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"gpunode-actor-{Guid.NewGuid():N}");

    public TrainerActorTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task Abort_frees_a_trainer_stuck_on_a_lost_peer_and_the_next_group_resumes_from_the_checkpoint()
    {
        string yaml = TinyJob.Yaml(maxSteps: 2, checkpointEvery: 1);
        await File.WriteAllTextAsync(Path.Combine(directory, "train.tsv"), "path\tsentence\n");
        await using var system = ActorSystem.Create("test");
        var events = new BlockingCollection<object>();
        system.ActorOf(Props.Create(() => new GpuNodeProcessTests.FakeDataNode()), "data-node");
        string dataNode = $"{system.Address}/user/data-node";
        // No group from the coordinator: the test forms them.
        system.ActorOf(Props.Create(() => new WelcomeOnly(yaml, directory, events)), "job");
        var trainer = system.ActorOf(Props.Create(() => new TrainerActor(
            new TrainerOptions($"{system.Address}/user/job", "gpu-0", "cpu", TimeSpan.FromSeconds(30)), new NodeExit())), "trainer");
        Assert.IsType<RegisterNode>(Next(events));

        // Generation 1: two ranks; the peer trains step 1 with us, then is lost without leaving (it hangs).
        using var store1 = TcpStore.Server("127.0.0.1", 0, Patience, 2);
        using var lost = new ManualResetEventSlim();
        var peer = Task.Factory.StartNew(() =>
        {
            using var store = TcpStore.Client("127.0.0.1", store1.Port, Patience);
            GroupRendezvous.Arrive(store, "g1", 2, Patience, CancellationToken.None);
            using var group = new ProcessGroup(store, new ProcessGroupOptions
            {
                Backend = DistributedBackend.Gloo,
                Rank = 1,
                WorldSize = 2,
                Timeout = Patience,
                GroupName = "g1",
                DeviceHost = "127.0.0.1",
            });
            using var core = TrainerCore.Create(JobSpecLoader.Parse(yaml, "test", directory), yaml, Device.CPU);
            core.Join(group);
            core.TrainStep(1, 1, [TinyJob.Batch("p1", 2, 5, mels: 80)]);
            group.Barrier(); // step 1 checkpoints: every rank waits for rank 0's checkpoint before the next step
            lost.Wait(Patience);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        trainer.Tell(new FormGroup { Generation = 1, Rank = 0, WorldSize = 2, StoreHost = "127.0.0.1", StorePort = store1.Port });
        Assert.Equal(0, Assert.IsType<TrainerReady>(Next(events)).ResumedStep);
        trainer.Tell(Schedule(1, """{"epoch":0,"step":0,"batch_count":4,"committed":[]}""", dataNode,
            (1, 0, "b1", 0), (1, 1, "p1", 1), (2, 0, "b2", 2), (2, 1, "p2", 3)));
        Assert.Equal(1, Assert.IsType<StepCommitted>(Next(events)).Step);
        var saved = Assert.IsType<CheckpointSaved>(Next(events));
        Assert.Equal(1, saved.Step);
        // Step 2 now waits in a collective for the lost peer: had it been trained without the peer, its commit would come
        // before the new group's TrainerReady below.

        trainer.Tell(new AbortGroup { Generation = 1, Reason = "peer lost" });
        using var store2 = TcpStore.Server("127.0.0.1", 0, Patience, 1);
        trainer.Tell(new FormGroup { Generation = 2, Rank = 0, WorldSize = 1, StoreHost = "127.0.0.1", StorePort = store2.Port, ResumeFrom = saved.Directory });
        var ready = Assert.IsType<TrainerReady>(Next(events));
        Assert.Equal((2L, 1L), (ready.Generation, ready.ResumedStep));
        trainer.Tell(Schedule(2, """{"epoch":0,"step":1,"batch_count":4,"committed":[{"start":0,"count":2}]}""", dataNode,
            (2, 0, "b2", 2), (2, 0, "p2", 3)));
        var commit = Assert.IsType<StepCommitted>(Next(events));
        Assert.Equal((2L, 2L), (commit.Generation, commit.Step));
        Assert.Equal(["b2", "p2"], commit.BatchIds);
        Assert.Equal(2, Assert.IsType<CheckpointSaved>(Next(events)).Step);
        Assert.DoesNotContain(events, e => e is TrainerFailed);

        lost.Set();
        await peer.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_next_epoch_sent_ahead_is_requested_within_the_credits_and_trained_after_the_current_one()
    {
        // Two credits, one rank: epoch 0 has steps 1-2, epoch 1 (sent ahead) steps 3-4.
        string yaml = TinyJob.Yaml(maxSteps: 4, checkpointEvery: 4) + "\ncluster:\n  credits_per_trainer: 2\n";
        await File.WriteAllTextAsync(Path.Combine(directory, "train.tsv"), "path\tsentence\n");
        await using var system = ActorSystem.Create("test");
        var events = new BlockingCollection<object>();
        var requests = new BlockingCollection<RequestBatches>();
        system.ActorOf(Props.Create(() => new RecordingDataNode(requests)), "data-node");
        string dataNode = $"{system.Address}/user/data-node";
        system.ActorOf(Props.Create(() => new WelcomeOnly(yaml, directory, events)), "job");
        var trainer = system.ActorOf(Props.Create(() => new TrainerActor(
            new TrainerOptions($"{system.Address}/user/job", "gpu-0", "cpu", TimeSpan.FromSeconds(30)), new NodeExit())), "trainer");
        Assert.IsType<RegisterNode>(Next(events));
        using var store = TcpStore.Server("127.0.0.1", 0, Patience, 1);
        trainer.Tell(new FormGroup { Generation = 1, Rank = 0, WorldSize = 1, StoreHost = "127.0.0.1", StorePort = store.Port });
        var formed = Next(events);
        Assert.True(formed is TrainerReady, $"{formed}");
        trainer.Tell(Schedule(1, """{"epoch":0,"step":-1,"batch_count":2,"committed":[]}""", dataNode, (1, 0, "e0-b0", 0), (2, 0, "e0-b1", 1)));
        var ahead = Schedule(1, """{"epoch":1,"step":-1,"batch_count":2,"committed":[]}""", dataNode, (3, 0, "e1-b0", 0), (4, 0, "e1-b1", 1));
        ahead.Epoch = 1;
        trainer.Tell(ahead);

        var commits = new List<StepCommitted>();
        while (commits.Count < 4)
        {
            var next = Next(events);
            if (next is StepCommitted commit) commits.Add(commit);
            Assert.False(next is TrainerFailed, $"{next}");
        }
        Assert.Equal([(1L, 0), (2L, 0), (3L, 1), (4L, 1)], commits.Select(c => (c.Step, c.Epoch)));
        Assert.Equal([["e0-b0"], ["e0-b1"], ["e1-b0"], ["e1-b1"]], commits.Select(c => c.BatchIds.ToArray()));
        // Each batch asked for once, in step order; the next epoch's batches one by one, as the current epoch's steps
        // free their credits (the first while step 2 still held one), not all at once when its schedule came.
        var asked = requests.Select(r => (r.Epoch, string.Join(",", r.BatchIds))).ToList();
        Assert.Equal([(0, "e0-b0,e0-b1"), (1, "e1-b0"), (1, "e1-b1")], asked);
        // The checkpoint of step 4 carries epoch 1's cursor: both of its batches committed.
        var saved = Assert.IsType<CheckpointSaved>(Next(events));
        var cursor = TrainerState.Load(Path.Combine(saved.Directory, CheckpointLayout.TrainerStateFile)).Ledger;
        Assert.Equal((1, 4L, 2), (cursor.Epoch, cursor.Step, cursor.CommittedCount));
    }

    private sealed class RecordingDataNode(BlockingCollection<RequestBatches> requests) : ActorBase
    {
        protected override void Receive(object message)
        {
            if (message is not RequestBatches request) return;
            requests.Add(request);
            foreach (var id in request.BatchIds)
            {
                var batch = TinyJob.Batch(id, size: 2, seed: id.GetHashCode(StringComparison.Ordinal), mels: 80);
                batch.Epoch = request.Epoch;
                Sender.Tell(batch, Self);
            }
        }
    }

    private static object Next(BlockingCollection<object> events)
    {
        Assert.True(events.TryTake(out var item, Patience), "the trainer went quiet");
        return item!;
    }

    private static EpochSchedule Schedule(long generation, string committedBefore, string dataNode, params (long Step, int Rank, string Id, int Position)[] entries)
    {
        var schedule = new EpochSchedule { Generation = generation, Epoch = 0, CommittedBefore = committedBefore };
        foreach (var (step, rank, id, position) in entries)
            schedule.Batches.Add(new ScheduledBatch { Step = step, Rank = rank, BatchId = id, Shard = 0, Position = position });
        schedule.ShardOwners[0] = dataNode;
        return schedule;
    }

    private sealed class WelcomeOnly(string yaml, string jobDirectory, BlockingCollection<object> events) : ActorBase
    {
        protected override void Receive(object message)
        {
            // The welcome is in the trainer's mailbox before the test sees the registration, so a FormGroup the test sends
            // next cannot overtake it (the trainer ignores a FormGroup that comes before its welcome).
            if (message is RegisterNode) Sender.Tell(new TrainerWelcome { JobYaml = yaml, JobDirectory = jobDirectory }, Self);
            events.Add(message);
        }
    }
}
