using System.Diagnostics;
using Cluster.Torch.Distributed;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests.Distributed;

/// <summary>
/// The test assembly's entry point, used only when a test launches this assembly as another
/// process to be a second rank: <c>dotnet exec Torch.Tests.dll distributed-peer MODE PORT RANK WORLD</c>.
/// MODE "collectives" joins, all-reduces, takes a broadcast and meets at a barrier, printing what it
/// got; MODE "die" joins, waits until rank 0 has set the store key <see cref="ParentJoinedKey"/>
/// (so that its exit cannot break rank 0's join), and exits without leaving the group, as a
/// crashing node would.
/// </summary>
internal static class PeerProcess
{
    public const string GroupName = "processes";
    public const string ParentJoinedKey = "parent-joined";

    public static int Main(string[] args)
    {
        if (args is not ["distributed-peer", var mode, var portText, var rankText, var worldText]
            || !int.TryParse(portText, out var port) || !int.TryParse(rankText, out var rank) || !int.TryParse(worldText, out var world))
        {
            Console.Error.WriteLine("usage: distributed-peer collectives|die PORT RANK WORLD");
            return 2;
        }
        using var store = TcpStore.Client("127.0.0.1", port, LoopbackWorld.Generous);
        var pg = new ProcessGroup(store, new ProcessGroupOptions
        {
            Backend = DistributedBackend.Gloo,
            Rank = rank,
            WorldSize = world,
            Timeout = LoopbackWorld.Generous,
            GroupName = GroupName,
            DeviceHost = "127.0.0.1",
        });
        Console.WriteLine("joined");
        if (mode == "die")
        {
            store.Wait([ParentJoinedKey]);
            Environment.Exit(17);
        }
        using (pg)
        {
            using var sum = full([3], rank + 1.0);
            pg.AllReduce(sum);
            using var broadcast = zeros(3);
            pg.Broadcast(broadcast, 0);
            pg.Barrier();
            Console.WriteLine($"sum={string.Join(',', sum.ToArray<float>())} broadcast={string.Join(',', broadcast.ToArray<float>())}");
        }
        return 0;
    }

    /// <summary>Starts this assembly as rank `rank` of a group whose store server listens on port.</summary>
    public static Process Launch(string mode, int port, int rank, int world)
    {
        var host = Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet"
            ? Environment.ProcessPath!
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        var start = new ProcessStartInfo(host, ["exec", typeof(PeerProcess).Assembly.Location, "distributed-peer", mode,
            port.ToString(), rank.ToString(), world.ToString()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {host}");
    }
}
