using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Cluster.Shared.Actors;
using Cluster.Shared.Protocol;
using Cluster.Shared.Remoting;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode.Tests;

/// <summary>The real <c>gpunode</c> process against an in-test coordinator and data node on 127.0.0.1.</summary>
public sealed class GpuNodeProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"gpunode-process-{Guid.NewGuid():N}");

    public GpuNodeProcessTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public async Task The_process_registers_trains_two_scheduled_steps_checkpoints_and_stops_when_told()
    {
        string secret = JobSecret.Generate();
        string yaml = TinyJob.Yaml(maxSteps: 2, checkpointEvery: 2);
        await File.WriteAllTextAsync(Path.Combine(directory, "train.tsv"), "path\tsentence\n");
        await using var system = ActorSystem.Create("coordinator", new ActorSystemOptions
        {
            Remote = new RemoteOptions { Secret = Encoding.UTF8.GetBytes(secret), Port = 0, Messages = ClusterMessages.CreateRegistry() },
        });
        using var store = TcpStore.Server("127.0.0.1", 0, Patience, 1);
        var events = new BlockingCollection<object>();
        var dataNode = system.ActorOf(Props.Create(() => new FakeDataNode()), "data-node");
        system.ActorOf(Props.Create(() => new FakeCoordinator(yaml, directory, store.Port, $"{system.Address}/user/data-node", events)), "job");

        using var process = Start(system.Address.ToString(), secret);
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            var seen = new List<object>();
            // The last step's checkpoint ends the trainer's work (max_steps 2); ending the job is the coordinator's.
            while (!seen.OfType<CheckpointSaved>().Any())
            {
                Assert.True(events.TryTake(out var item, Patience), $"the trainer went quiet; so far: {string.Join(", ", seen.Select(e => e.GetType().Name))}");
                seen.Add(item!);
            }
            var register = seen.OfType<RegisterNode>().Single();
            Assert.Equal("gpu-0", register.Name);
            Assert.Equal(process.Id, register.ProcessId);
            Assert.Equal(0, seen.OfType<TrainerReady>().Single().ResumedStep);
            var commits = seen.OfType<StepCommitted>().ToList();
            Assert.Equal([1L, 2L], commits.Select(c => c.Step));
            Assert.Equal([["b1"], ["b2"]], commits.Select(c => c.BatchIds.ToArray()));
            Assert.All(commits, c => Assert.True(double.IsFinite(c.Loss) && c.Loss > 0, $"loss {c.Loss}"));
            var saved = seen.OfType<CheckpointSaved>().Single();
            Assert.Equal(2, saved.Step);
            Assert.True(File.Exists(Path.Combine(saved.Directory, "manifest.json")), $"no manifest in {saved.Directory}");

            system.ResolveActorRef(register.ActorPath).Tell(new StopTraining { Reason = "test over" });
            await process.WaitForExitAsync().WaitAsync(Patience);
            Assert.True(process.ExitCode == 0, $"exit code {process.ExitCode}: {await errors}");
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    [Fact]
    public async Task The_process_exits_non_zero_when_its_coordinator_is_lost()
    {
        string secret = JobSecret.Generate();
        var system = ActorSystem.Create("coordinator", new ActorSystemOptions
        {
            Remote = new RemoteOptions { Secret = Encoding.UTF8.GetBytes(secret), Port = 0, Messages = ClusterMessages.CreateRegistry() },
        });
        var events = new BlockingCollection<object>();
        system.ActorOf(Props.Create(() => new FakeCoordinator("", directory, 0, "", events)), "job");
        using var process = Start(system.Address.ToString(), secret);
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            Assert.True(events.TryTake(out var first, Patience), "the node did not register");
            Assert.IsType<RegisterNode>(first);
            await system.TerminateAsync();
            await process.WaitForExitAsync().WaitAsync(Patience);
            Assert.Equal(1, process.ExitCode);
            Assert.Contains("coordinator was lost", await errors);
        }
        finally
        {
            if (!process.HasExited) process.Kill();
        }
    }

    private static Process Start(string coordinator, string secret)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "gpunode.dll"), "--coordinator", coordinator, "--name", "gpu-0",
            "--device", "cpu", "--heartbeat-interval", "200ms", "--failure-pause", "2s" }) start.ArgumentList.Add(argument);
        start.Environment["CLUSTER_SECRET"] = secret;
        return Process.Start(start)!;
    }

    internal sealed class FakeCoordinator(string yaml, string jobDirectory, int storePort, string dataNodePath, BlockingCollection<object> events) : ActorBase
    {
        protected override void Receive(object message)
        {
            events.Add(message);
            switch (message)
            {
                case RegisterNode when yaml.Length > 0:
                    Sender.Tell(new TrainerWelcome { JobYaml = yaml, JobDirectory = jobDirectory }, Self);
                    Sender.Tell(new FormGroup { Generation = 1, Rank = 0, WorldSize = 1, StoreHost = "127.0.0.1", StorePort = storePort }, Self);
                    break;
                case TrainerReady:
                    var schedule = new EpochSchedule
                    {
                        Generation = 1,
                        Epoch = 0,
                        CommittedBefore = """{"epoch":0,"step":0,"batch_count":2,"committed":[]}""",
                    };
                    schedule.Batches.Add(new ScheduledBatch { Step = 1, Rank = 0, BatchId = "b1", Shard = 0, Position = 0 });
                    schedule.Batches.Add(new ScheduledBatch { Step = 2, Rank = 0, BatchId = "b2", Shard = 0, Position = 1 });
                    schedule.ShardOwners[0] = dataNodePath;
                    Sender.Tell(schedule, Self);
                    break;
            }
        }
    }

    internal sealed class FakeDataNode : ActorBase
    {
        protected override void Receive(object message)
        {
            if (message is not RequestBatches request) return;
            foreach (var id in request.BatchIds) Sender.Tell(TinyJob.Batch(id, size: 2, seed: id.GetHashCode(StringComparison.Ordinal), mels: 80), Self);
        }
    }
}
