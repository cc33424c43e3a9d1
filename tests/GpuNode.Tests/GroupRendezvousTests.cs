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
        // Once the store has counted the first rank, it is waiting: the group is not complete without the second.
        await ArrivedAsync(server, "g1", 1);
        Assert.False(server.Check("rendezvous/g1/complete"), "one rank of two marked the group complete");
        Assert.False(first.IsCompleted, "the first rank returned before the second arrived");
        using (var store = TcpStore.Client("127.0.0.1", server.Port, Timeout))
            GroupRendezvous.Arrive(store, "g1", 2, Timeout, CancellationToken.None);
        await first.WaitAsync(Timeout);
    }

    [Fact]
    public async Task A_rank_waiting_for_a_dead_peer_is_released_by_cancellation()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Timeout);
        using var cancel = new CancellationTokenSource();
        var waiting = Task.Run(() =>
        {
            using var store = TcpStore.Client("127.0.0.1", server.Port, Timeout);
            GroupRendezvous.Arrive(store, "g2", 2, Timeout, cancel.Token);
        });
        await ArrivedAsync(server, "g2", 1);
        cancel.Cancel();
        // Cancelled, not timed out (a TimeoutException would mean the 30 s bound ended it).
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));
    }

    // Waits for the store's count of arrived ranks, the event the rendezvous itself waits on.
    private static async Task ArrivedAsync(TcpStore server, string group, int count)
    {
        using var limit = new CancellationTokenSource(Timeout);
        while (server.Add($"rendezvous/{group}/arrived", 0) < count)
        {
            limit.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }
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
