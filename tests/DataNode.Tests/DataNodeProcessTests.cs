using System.Text;
using Cluster.Shared.Cli;
using Cluster.Shared.Protocol;

namespace Cluster.DataNode.Tests;

public sealed class DataNodeProcessTests : IAsyncLifetime
{
    private static readonly TimeSpan ProcessTimeout = TimeSpan.FromSeconds(60);
    private readonly TinyCorpus _corpus = new();
    private readonly ClusterHarness _cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _corpus.Dispose();
    }

    private DataNodeProcess Launch(string secret) => new(secret,
        "--coordinator", _cluster.CoordinatorSystem.Address.ToString(), "--name", "data-7", "--workers", "1",
        "--heartbeat-interval", "100ms", "--failure-pause", "3s");

    [Fact]
    public async Task The_datanode_process_registers_serves_a_requested_batch_and_exits_0_when_stopped()
    {
        using var process = Launch(Encoding.UTF8.GetString(ClusterHarness.Secret));

        var registration = await _cluster.Coordinator.ExpectAsync<RegisterNode>(ProcessTimeout);
        Assert.Equal(("data-7", process.Id), (registration.Name, registration.ProcessId));
        var node = _cluster.CoordinatorSystem.ResolveActorRef(registration.ActorPath);
        node.Tell(_corpus.Welcome, _cluster.Coordinator.Ref);
        node.Tell(TinyCorpus.Assignment(), _cluster.Coordinator.Ref);
        _cluster.Request(_cluster.TrainerSystem.ResolveActorRef(registration.ActorPath), 0, "e0-b0");

        var batch = await _cluster.Trainer.ExpectAsync<BatchData>(ProcessTimeout);
        Assert.Equal(("e0-b0", "data-7", 3), (batch.BatchId, batch.Producer, batch.Examples));
        Assert.Equal(3, batch.Tensors.Count);
        Assert.Equal("e0-b0", (await _cluster.Coordinator.ExpectAsync<BatchSent>()).BatchId);

        node.Tell(new StopDataNode { Reason = "test over" }, _cluster.Coordinator.Ref);
        Assert.Equal(ExitCodes.Ok, await process.ExitCodeAsync(ProcessTimeout));
        Assert.Contains("stopped: test over", process.Stderr);
    }

    [Fact]
    public async Task A_datanode_with_the_wrong_secret_is_refused_and_exits_with_a_failure()
    {
        using var process = Launch("a different secret of 32 bytes!!");

        Assert.Equal(ExitCodes.Failure, await process.ExitCodeAsync(ProcessTimeout));
        Assert.Contains("lost the coordinator", process.Stderr);
        _cluster.Coordinator.AssertEmpty(); // the node exited without ever registering
        Assert.Contains("refused", _cluster.Log);
    }
}
