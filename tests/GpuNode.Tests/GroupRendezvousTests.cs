using System.Diagnostics;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode.Tests;

public class GroupRendezvousTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ranks_return_once_all_have_arrived()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Timeout);
        var first = Task.Run(() =>
        {
            using var store = TcpStore.Client("127.0.0.1", server.Port, Timeout);
            GroupRendezvous.Arrive(store, "g1", 2, Timeout, CancellationToken.None);
        });
        await Task.Delay(300);
        Assert.False(first.IsCompleted, "the first rank returned before the second arrived");
        using (var store = TcpStore.Client("127.0.0.1", server.Port, Timeout))
            GroupRendezvous.Arrive(store, "g1", 2, Timeout, CancellationToken.None);
        await first.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_rank_waiting_for_a_dead_peer_is_released_by_cancellation_at_once()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Timeout);
        using var cancel = new CancellationTokenSource();
        var waiting = Task.Run(() =>
        {
            using var store = TcpStore.Client("127.0.0.1", server.Port, Timeout);
            GroupRendezvous.Arrive(store, "g2", 2, Timeout, cancel.Token);
        });
        await Task.Delay(300);
        var clock = Stopwatch.StartNew();
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"released after {clock.Elapsed}");
    }

    [Fact]
    public void A_rank_alone_past_the_timeout_says_how_many_arrived()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Timeout);
        using var store = TcpStore.Client("127.0.0.1", server.Port, Timeout);
        var error = Assert.Throws<TimeoutException>(() => GroupRendezvous.Arrive(store, "g3", 3, TimeSpan.FromMilliseconds(200), CancellationToken.None));
        Assert.Contains("only 1 of 3 ranks arrived at group 'g3'", error.Message);
    }
}
