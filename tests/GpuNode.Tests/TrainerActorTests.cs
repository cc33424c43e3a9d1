using System.Collections.Concurrent;
using Cluster.Shared.Actors;
using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;
using Cluster.Torch;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode.Tests;

/// <summary>The trainer actor in one process with an in-test coordinator, data node and peer rank.</summary>
public sealed class TrainerActorTests : IDisposable
{
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
        // Step 2 now waits in a collective for the lost peer.
        Assert.False(events.TryTake(out var early, TimeSpan.FromMilliseconds(500)), $"unexpected {early}");

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
        Assert.IsType<TrainingFinished>(Next(events));
        Assert.DoesNotContain(events, e => e is TrainerFailed);

        lost.Set();
        await peer.WaitAsync(Patience);
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
            events.Add(message);
            if (message is RegisterNode) Sender.Tell(new TrainerWelcome { JobYaml = yaml, JobDirectory = jobDirectory }, Self);
        }
    }
}
