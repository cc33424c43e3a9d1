using System.Net;
using System.Net.Sockets;
using System.Text;
using Cluster.Torch.Distributed;

namespace Cluster.Torch.Tests.Distributed;

/// <summary>TCPStore server and clients on 127.0.0.1: values, counters, waits and their bounds.</summary>
public sealed class StoreTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);

    [Fact]
    public void Values_set_by_one_client_are_seen_by_another()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Short, worldSize: 2);
        using var client = TcpStore.Client("127.0.0.1", server.Port, Short);
        Assert.InRange(server.Port, 1, 65535);
        client.Set("greeting", "你好, rank 0");
        server.Set("blob", new byte[] { 0, 1, 255 });
        server.Set("empty", ReadOnlySpan<byte>.Empty);
        Assert.Equal("你好, rank 0", server.GetString("greeting"));
        Assert.Equal(new byte[] { 0, 1, 255 }, client.Get("blob"));
        Assert.Empty(client.Get("empty"));
        Assert.True(client.Check("blob"));
        Assert.False(client.Check("missing"));
        Assert.True(server.Delete("blob"));
        Assert.False(server.Delete("blob"));
        Assert.False(client.Check("blob"));
    }

    [Fact]
    public void Add_counts_across_clients_from_zero()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Short);
        using var client = TcpStore.Client("127.0.0.1", server.Port, Short);
        Assert.Equal(5, server.Add("joined", 5));
        Assert.Equal(3, client.Add("joined", -2));
        Assert.Equal(1, client.Add("other", 1));
    }

    [Fact]
    public async Task Wait_returns_when_another_client_sets_the_key()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Short);
        using var client = TcpStore.Client("127.0.0.1", server.Port, Short);
        // The keys are set from another client while (or before) the server waits: either way the wait returns once
        // both are there, and would throw after its 10 s bound otherwise.
        using var waiting = new ManualResetEventSlim();
        var setter = Task.Run(() =>
        {
            waiting.Wait();
            client.Set("a", "1");
            client.Set("b", "2");
        });
        waiting.Set();
        server.Wait(["a", "b"], TimeSpan.FromSeconds(10));
        Assert.Equal("2", Encoding.UTF8.GetString(server.Get("b")));
        await setter;
    }

    [Fact]
    public void Waiting_for_a_key_nobody_sets_fails_within_the_bound_naming_the_key()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Short);
        var bound = TimeSpan.FromMilliseconds(500);
        var wait = Assert.Throws<TorchException>(() => server.Wait(["never"], bound));
        var get = Assert.Throws<TorchException>(() => server.Get("never-either", bound));
        // The store's own timeout ended both (the message says which bound), not the connection's 2 s default.
        Assert.Contains("store key 'never' was not set within 500 ms", wait.Message);
        Assert.Contains("store key 'never-either' was not set within 500 ms", get.Message);
    }

    [Fact]
    public void A_wait_that_timed_out_leaves_the_connection_usable()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Short);
        using var client = TcpStore.Client("127.0.0.1", server.Port, Short);
        Assert.Throws<TorchException>(() => server.Wait(["late"], TimeSpan.FromMilliseconds(200)));
        client.Set("late", "now");
        client.Set("next", "value");
        Assert.Equal("value", server.GetString("next"));
        Assert.Equal("now", server.GetString("late"));
    }

    [Fact]
    public void A_client_without_a_server_fails_naming_the_port()
    {
        // A port that was free a moment ago: nobody listens there.
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var error = Assert.ThrowsAny<TorchException>(() => TcpStore.Client("127.0.0.1", port, TimeSpan.FromMilliseconds(500)));
        Assert.Contains(port.ToString(), error.Message);
    }

    [Fact]
    public void Bad_arguments_are_rejected_with_the_reason()
    {
        using var server = TcpStore.Server("127.0.0.1", 0, Short);
        Assert.Throws<ArgumentException>(() => server.Set("", "x"));
        Assert.Contains("NUL", Assert.Throws<ArgumentException>(() => server.Set("a\0b", "x")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => server.Get("k", TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => TcpStore.Client("127.0.0.1", 0, Short));
        Assert.Throws<ArgumentOutOfRangeException>(() => TcpStore.Server("127.0.0.1", 70000, Short));
        server.Dispose();
        Assert.Throws<ObjectDisposedException>(() => server.Check("k"));
    }
}
