using System.Diagnostics;
using Cluster.Torch.Distributed;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests.Distributed;

/// <summary>Ranks in two real processes (this one and <see cref="PeerProcess"/>) over 127.0.0.1.</summary>
public sealed class ProcessTests
{
    private static ProcessGroup Join(TcpStore server) => new(server, new ProcessGroupOptions
    {
        Backend = DistributedBackend.Gloo,
        Rank = 0,
        WorldSize = 2,
        Timeout = LoopbackWorld.Generous,
        GroupName = PeerProcess.GroupName,
        DeviceHost = "127.0.0.1",
    });

    private static (int ExitCode, string Output) Finish(Process peer)
    {
        var output = peer.StandardOutput.ReadToEndAsync();
        var error = peer.StandardError.ReadToEndAsync();
        if (!peer.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            peer.Kill();
            throw new TimeoutException("the peer process did not exit within 30 s");
        }
        return (peer.ExitCode, output.Result + error.Result);
    }

    [Fact]
    public void Two_processes_all_reduce_broadcast_and_meet_at_a_barrier()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, LoopbackWorld.Generous, worldSize: 2);
        using var peer = PeerProcess.Launch("collectives", server.Port, rank: 1, world: 2);
        using (var pg = Join(server))
        {
            using var sum = full([3], 1.0);
            pg.AllReduce(sum);
            using var broadcast = tensor(new float[] { 7, 8, 9 }, 3);
            pg.Broadcast(broadcast, 0);
            pg.Barrier();
            Assert.Equal(new float[] { 3, 3, 3 }, sum.ToArray<float>());
        }
        var (exitCode, output) = Finish(peer);
        Assert.True(exitCode == 0, $"peer exited with {exitCode}: {output}");
        Assert.Contains("sum=3,3,3 broadcast=7,8,9", output);
    }

    [Fact]
    public void A_peer_process_that_dies_fails_the_collective_at_once_not_at_the_timeout()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, LoopbackWorld.Generous, worldSize: 2);
        using var peer = PeerProcess.Launch("die", server.Port, rank: 1, world: 2);
        using var pg = Join(server);
        server.Set(PeerProcess.ParentJoinedKey, "1");
        var (exitCode, output) = Finish(peer);
        Assert.True(exitCode == 17, $"peer exited with {exitCode}: {output}");
        using var t = ones(4);
        var error = Assert.Throws<TorchException>(() => pg.AllReduce(t));
        Assert.Contains("all_reduce on rank 0 of 2", error.Message);
        // The closed connection ended it, not the 20 s timeout (whose message says "Timed out").
        Assert.DoesNotContain("Timed out", error.Message);
    }
}
