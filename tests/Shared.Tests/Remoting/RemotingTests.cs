using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Cluster.Shared.Actors;
using Cluster.Shared.Remoting;
using Cluster.Shared.Tests.Actors;
using Google.Protobuf.WellKnownTypes;
using Xunit.Abstractions;

namespace Cluster.Shared.Tests.Remoting;

public sealed class RemotingTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("the job secret, 32 bytes long!!!");
    private static readonly TimeSpan Ask = TimeSpan.FromSeconds(5);
    private readonly List<ActorSystem> _systems = [];
    private readonly List<ActorLogEvent> _log = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var system in _systems)
        {
            await system.TerminateAsync();
        }
    }

    private ActorSystem Start(string name, byte[]? secret = null, TimeSpan? acceptablePause = null)
    {
        var system = ActorSystem.Create(name, new ActorSystemOptions
        {
            Log = e => { lock (_log) { _log.Add(e); } },
            Remote = new RemoteOptions
            {
                Secret = secret ?? Secret,
                MaximumFrameBytes = 64 * 1024,
                HeartbeatInterval = TimeSpan.FromMilliseconds(50),
                AcceptableHeartbeatPause = acceptablePause ?? TimeSpan.FromMilliseconds(500),
                MinimumStandardDeviation = TimeSpan.FromMilliseconds(50),
                HandshakeTimeout = TimeSpan.FromSeconds(2),
                Messages = new MessageRegistry().Register<StringValue>().Register<Int32Value>().Register<BytesValue>(),
            },
        });
        _systems.Add(system);
        return system;
    }

    private async Task<IActorRef> EchoOn(ActorSystem system, string name = "echo")
    {
        system.ActorOf(Props.Create(() => new Echo()), name);
        await Task.CompletedTask;
        return system.ResolveActorRef($"{system.Address}/user/{name}");
    }

    private async Task WaitForLogAsync(string contains)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < Probe.DefaultTimeout)
        {
            lock (_log)
            {
                if (_log.Any(e => e.Message.Contains(contains)))
                {
                    return;
                }
            }
            await Task.Delay(10);
        }
        lock (_log)
        {
            Assert.Fail($"no log line containing '{contains}'; log:\n{string.Join('\n', _log)}");
        }
    }

    private static async Task<string> AskAcross(ActorSystem from, ActorSystem to, string text)
    {
        var echo = from.ResolveActorRef($"{to.Address}/user/echo");
        return (await echo.Ask<StringValue>(new StringValue { Value = text }, Ask)).Value;
    }

    [Fact]
    public async Task Tell_and_ask_work_across_two_systems_in_both_directions()
    {
        var a = Start("a");
        var b = Start("b");
        await EchoOn(a);
        await EchoOn(b);
        Assert.Equal("to a", await AskAcross(b, a, "to a"));
        Assert.Equal("to b", await AskAcross(a, b, "to b"));
        var probe = new Probe(b);
        var remoteEcho = b.ResolveActorRef($"{a.Address}/user/echo");
        for (var i = 0; i < 200; i++)
        {
            remoteEcho.Tell(new Int32Value { Value = i }, probe.Ref);
        }
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(i, (await probe.ExpectAsync<Int32Value>()).Value);
        }
        Assert.Equal(remoteEcho, probe.LastSender);
    }

    [Fact]
    public async Task A_failure_reply_reaches_the_remote_asker_as_a_RemoteException()
    {
        var a = Start("a");
        var b = Start("b");
        await EchoOn(a);
        var echo = b.ResolveActorRef($"{a.Address}/user/echo");
        var error = await Assert.ThrowsAsync<RemoteException>(() => echo.Ask<StringValue>(new BytesValue(), Ask));
        Assert.Equal("IOException", error.ExceptionType);
        Assert.Contains("bytes refused", error.Message);
    }

    [Fact]
    public async Task Simultaneous_connects_settle_on_one_connection_shared_by_both_sides()
    {
        for (var round = 0; round < 3; round++)
        {
            var a = Start($"a{round}");
            var b = Start($"b{round}");
            var probeA = new Probe(a, "inbox");
            var probeB = new Probe(b, "inbox");
            var toB = a.ResolveActorRef($"{b.Address}/user/inbox");
            var toA = b.ResolveActorRef($"{a.Address}/user/inbox");
            using var start = new Barrier(2);
            var sending = new[] { (toB, a), (toA, b) }.Select(pair => Task.Run(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < 50; i++)
                {
                    pair.Item1.Tell(new Int32Value { Value = i });
                }
            })).ToArray();
            await Task.WhenAll(sending);
            for (var i = 0; i < 50; i++)
            {
                Assert.Equal(i, (await probeA.ExpectAsync<Int32Value>()).Value);
                Assert.Equal(i, (await probeB.ExpectAsync<Int32Value>()).Value);
            }
            var fromA = a.Remote!.OpenConnections[b.Address];
            var fromB = b.Remote!.OpenConnections[a.Address];
            Assert.Equal(Normalized(fromA.LocalEndPoint), Normalized(fromB.RemoteEndPoint));
            Assert.Equal(Normalized(fromA.RemoteEndPoint), Normalized(fromB.LocalEndPoint));
        }
        lock (_log)
        {
            output.WriteLine($"declined duplicates: {_log.Count(e => e.Message.Contains("duplicate"))}");
        }
    }

    [Fact]
    public async Task A_system_with_another_secret_is_refused_and_gets_no_reply()
    {
        var a = Start("a");
        var intruder = Start("intruder", Encoding.UTF8.GetBytes("not the job secret, but as long"));
        await EchoOn(a);
        var echo = intruder.ResolveActorRef($"{a.Address}/user/echo");
        await Assert.ThrowsAsync<TimeoutException>(() => echo.Ask<StringValue>(new StringValue { Value = "let me in" }, TimeSpan.FromMilliseconds(500)));
        await WaitForLogAsync("authentication failed");
        Assert.Empty(a.Remote!.ConnectedPeers);
        Assert.Empty(intruder.Remote!.ConnectedPeers);
    }

    [Fact]
    public async Task A_raw_peer_with_a_wrong_proof_is_told_no_and_disconnected()
    {
        var a = Start("a");
        await using var peer = await RawPeer.ConnectAsync(a.Address);
        var result = await peer.HandshakeAsync(Encoding.UTF8.GetBytes("guessed secret, also long enough"), "cluster.tcp://mallory@127.0.0.1:1");
        Assert.False(result?.Accepted ?? false);
        Assert.True(await peer.WaitUntilClosedAsync(TimeSpan.FromSeconds(5)));
        await WaitForLogAsync("authentication failed: the peer does not know the job secret");
        Assert.Empty(a.Remote!.ConnectedPeers);
    }

    [Theory]
    [InlineData("oversized")]
    [InlineData("garbage")]
    [InlineData("garbage before the handshake")]
    public async Task A_bad_frame_closes_only_the_connection_it_came_on(string kind)
    {
        var a = Start("a");
        var b = Start("b");
        await EchoOn(a);
        Assert.Equal("before", await AskAcross(b, a, "before"));
        var before = a.Remote!.OpenConnections[b.Address];

        await using var peer = await RawPeer.ConnectAsync(a.Address);
        if (kind != "garbage before the handshake")
        {
            Assert.True((await peer.HandshakeAsync(Secret, "cluster.tcp://raw@127.0.0.1:1"))!.Accepted);
        }
        var prefix = new byte[4];
        if (kind == "oversized")
        {
            BinaryPrimitives.WriteUInt32BigEndian(prefix, 64 * 1024 + 1);
            await peer.SendAsync(prefix);
        }
        else
        {
            BinaryPrimitives.WriteUInt32BigEndian(prefix, 16);
            await peer.SendAsync([.. prefix, .. Enumerable.Repeat((byte)0xFF, 16)]);
        }
        Assert.True(await peer.WaitUntilClosedAsync(TimeSpan.FromSeconds(5)), "the bad connection stayed open");
        await WaitForLogAsync(kind == "oversized" ? "exceeds the maximum of 65536 bytes" : "malformed frame");

        Assert.Equal("after", await AskAcross(b, a, "after"));
        Assert.Same(before, a.Remote.OpenConnections[b.Address]);
    }

    [Fact]
    public async Task A_watcher_learns_when_a_remote_actor_stops_or_never_existed()
    {
        var a = Start("a");
        var b = Start("b");
        await EchoOn(a);
        var probe = new Probe(b);
        var echo = b.ResolveActorRef($"{a.Address}/user/echo");
        probe.Watch(echo);
        Assert.Equal("watching", await AskAcross(b, a, "watching"));
        a.Stop(a.ResolveActorRef($"{a.Address}/user/echo"));
        var terminated = await probe.ExpectAsync<Terminated>();
        Assert.Equal(echo, terminated.Actor);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);

        var missing = b.ResolveActorRef($"{a.Address}/user/nobody-here");
        probe.Watch(missing);
        var never = await probe.ExpectAsync<Terminated>();
        Assert.Equal(missing, never.Actor);
        Assert.False(never.ExistenceConfirmed);
    }

    [Fact]
    public async Task Healthy_peers_stay_reachable_while_heartbeats_flow()
    {
        var a = Start("a");
        var b = Start("b");
        await EchoOn(a);
        var probe = new Probe(b);
        probe.Watch(b.ResolveActorRef($"{a.Address}/user/echo"));
        Assert.Equal("hello", await AskAcross(b, a, "hello"));
        await probe.ExpectNoMessageForAsync(TimeSpan.FromSeconds(1.5));
        Assert.Contains(a.Address, b.Remote!.ConnectedPeers);
    }

    [Theory]
    [InlineData("frozen")]
    [InlineData("killed")]
    [InlineData("never reachable")]
    public async Task A_peer_that_stops_answering_is_declared_unreachable_within_bounded_time(string fate)
    {
        var a = Start("a");
        // The peer claims an address where nothing listens, like a node killed with -9 (or frozen with SIGSTOP).
        using var reserved = new TcpListener(IPAddress.Loopback, 0);
        reserved.Start();
        var ghostAddress = $"cluster.tcp://ghost@127.0.0.1:{((IPEndPoint)reserved.LocalEndpoint).Port}";
        reserved.Stop();
        await using var peer = await RawPeer.ConnectAsync(a.Address);
        if (fate != "never reachable")
        {
            Assert.True((await peer.HandshakeAsync(Secret, ghostAddress))!.Accepted);
        }

        var probe = new Probe(a);
        var ghostActor = a.ResolveActorRef($"{ghostAddress}/user/worker");
        var clock = Stopwatch.StartNew();
        probe.Watch(ghostActor);
        if (fate == "killed")
        {
            await peer.DisposeAsync();
        }
        var terminated = await probe.ExpectAsync<Terminated>(TimeSpan.FromSeconds(10));
        output.WriteLine($"{fate}: unreachable after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(ghostActor, terminated.Actor);
        Assert.True(terminated.AddressTerminated); // declared by the failure detector, within the 10 s the wait allows
        await WaitForLogAsync($"{ghostAddress} is unreachable");
        Assert.Empty(a.Remote!.ConnectedPeers);
    }

    [Fact]
    public async Task A_new_incarnation_on_the_same_address_ends_the_watches_of_the_old_one()
    {
        // A pause far beyond the test's timeouts: only the restart can explain the Terminated.
        var a = Start("a", acceptablePause: TimeSpan.FromMinutes(5));
        const string address = "cluster.tcp://node@127.0.0.1:1";
        await using var first = await RawPeer.ConnectAsync(a.Address);
        Assert.True((await first.HandshakeAsync(Secret, address, uid: 1))!.Accepted);
        var probe = new Probe(a);
        var worker = a.ResolveActorRef($"{address}/user/worker");
        probe.Watch(worker);
        probe.Ref.Tell("sync");
        await probe.ExpectAsync<string>();

        await using var second = await RawPeer.ConnectAsync(a.Address);
        Assert.True((await second.HandshakeAsync(Secret, address, uid: 2))!.Accepted);
        var terminated = await probe.ExpectAsync<Terminated>();
        Assert.Equal(worker, terminated.Actor);
        Assert.True(terminated.AddressTerminated);
        Assert.True(await first.WaitUntilClosedAsync(TimeSpan.FromSeconds(5)), "the old incarnation's connection stayed open");

        await using var zombie = await RawPeer.ConnectAsync(a.Address);
        var refused = await zombie.HandshakeAsync(Secret, address, uid: 1);
        Assert.False(refused!.Accepted);
        Assert.StartsWith("quarantined", refused.Reason);
    }

    [Fact]
    public async Task Messages_of_unregistered_types_are_not_sent()
    {
        var a = Start("a");
        var b = Start("b");
        await EchoOn(a);
        var echo = b.ResolveActorRef($"{a.Address}/user/echo");
        await Assert.ThrowsAsync<TimeoutException>(() => echo.Ask<object>(new DoubleValue { Value = 1 }, TimeSpan.FromMilliseconds(300)));
        await WaitForLogAsync("message type google.protobuf.DoubleValue is not registered");
    }

    [Fact]
    public async Task A_message_above_the_frame_limit_is_dropped_by_the_sender_and_the_connection_stays()
    {
        var a = Start("a");
        var b = Start("b");
        await EchoOn(a);
        var probe = new Probe(b);
        Assert.Equal("before", await AskAcross(b, a, "before"));
        var connection = b.Remote!.OpenConnections[a.Address];
        var echo = b.ResolveActorRef($"{a.Address}/user/echo");
        echo.Tell(new StringValue { Value = new string('x', 64 * 1024) }, probe.Ref);
        await WaitForLogAsync("above the maximum of 65536 bytes");
        Assert.Equal("after", await AskAcross(b, a, "after"));
        Assert.Same(connection, b.Remote.OpenConnections[a.Address]);
        // A reply to the dropped message would have come over the same connection before the reply to "after".
        probe.AssertEmpty();
    }

    [Fact]
    public void Remote_actors_cannot_be_stopped_directly_and_hosts_must_be_addresses()
    {
        var a = Start("a");
        var remote = a.ResolveActorRef("cluster.tcp://b@127.0.0.1:1/user/x");
        Assert.Contains("PoisonPill", Assert.Throws<ArgumentException>(() => a.Stop(remote)).Message);
        var error = Assert.Throws<ArgumentException>(() => ActorSystem.Create("named", new ActorSystemOptions
        {
            Remote = new RemoteOptions { Secret = Secret, Host = "localhost" },
        }));
        Assert.Contains("must be an IP address", error.Message);
    }

    [Fact]
    public void A_short_secret_is_refused_at_startup()
    {
        var error = Assert.Throws<ArgumentException>(() => Start("weak", Encoding.UTF8.GetBytes("short")));
        Assert.Contains("at least 16 bytes", error.Message);
    }

    /// <summary>Outbound sockets are dual-mode, so one side may see ::ffff:127.0.0.1 where the other sees 127.0.0.1.</summary>
    private static IPEndPoint Normalized(EndPoint? endPoint)
    {
        var ip = Assert.IsType<IPEndPoint>(endPoint);
        return ip.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(ip.Address.MapToIPv4(), ip.Port) : ip;
    }

    private sealed class Echo : ActorBase
    {
        protected override void Receive(object message)
        {
            if (message is BytesValue)
            {
                Sender.Tell(new Status.Failure(new IOException("bytes refused")), Self);
                return;
            }
            Sender.Tell(message, Self);
        }
    }
}
