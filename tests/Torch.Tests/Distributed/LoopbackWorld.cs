using Cluster.Torch.Distributed;

namespace Cluster.Torch.Tests.Distributed;

/// <summary>
/// Ranks as threads of this process, joined through a TCPStore and Gloo on 127.0.0.1. Each rank
/// gets its own store client: libtorch serializes one client's requests, and a rank blocks in
/// rendezvous while the others must still reach the server.
/// </summary>
internal sealed class LoopbackWorld : IDisposable
{
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(20);

    private readonly TcpStore server;
    private readonly TcpStore[] stores;
    private readonly Barrier threads;

    public LoopbackWorld(int worldSize)
    {
        WorldSize = worldSize;
        server = TcpStore.Server("127.0.0.1", 0, Generous, worldSize);
        threads = new Barrier(worldSize);
        stores = new TcpStore[worldSize];
        stores[0] = server;
        for (var r = 1; r < worldSize; r++) stores[r] = TcpStore.Client("127.0.0.1", server.Port, Generous);
    }

    public int WorldSize { get; }

    public TcpStore StoreOf(int rank) => stores[rank];

    public ProcessGroupOptions Options(int rank, TimeSpan? timeout = null, string group = "test") => new()
    {
        Backend = DistributedBackend.Gloo,
        Rank = rank,
        WorldSize = WorldSize,
        Timeout = timeout ?? Generous,
        GroupName = group,
        DeviceHost = "127.0.0.1",
    };

    /// <summary>
    /// Joins every rank to one group (on its own thread) and runs body on each once all have
    /// joined; returns the results in rank order.
    /// </summary>
    public T[] Run<T>(Func<ProcessGroup, T> body, TimeSpan? timeout = null, string group = "test") =>
        RunRanks(rank =>
        {
            using var pg = new ProcessGroup(stores[rank], Options(rank, timeout, group));
            Meet();
            return body(pg);
        });

    /// <summary>
    /// Waits until every rank's thread gets here. A rank that aborts or leaves right after its own
    /// join returned can break a peer whose join is still finishing its connections, so tests
    /// about aborts meet first.
    /// </summary>
    public void Meet()
    {
        if (!threads.SignalAndWait(Generous)) throw new TimeoutException("the ranks' threads did not meet within 20 s");
    }

    /// <summary>Runs body(rank) on one dedicated thread per rank (blocking native calls must not wait for thread-pool growth).</summary>
    public T[] RunRanks<T>(Func<int, T> body)
    {
        var tasks = Enumerable.Range(0, WorldSize)
            .Select(rank => Task.Factory.StartNew(() => body(rank), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        if (!Task.WaitAll(tasks, TimeSpan.FromSeconds(60))) throw new TimeoutException("a rank did not finish within 60 s");
        return tasks.Select(t => t.Result).ToArray();
    }

    public void Dispose()
    {
        for (var r = WorldSize - 1; r >= 0; r--) stores[r].Dispose();
        threads.Dispose();
    }
}
