using System.Diagnostics;
using Cluster.Shared.Actors;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Shared.Tests.Actors;

public sealed class LocalActorTests : IAsyncLifetime
{
    private readonly List<ActorLogEvent> _log = [];
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("local", new ActorSystemOptions { Log = e => { lock (_log) { _log.Add(e); } } });
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _system.TerminateAsync();

    [Fact]
    public async Task Messages_from_one_sender_arrive_in_send_order()
    {
        var probe = new Probe(_system);
        var relay = _system.ActorOf(Props.Create(() => new Relay(probe.Ref)));
        for (var i = 0; i < 500; i++)
        {
            relay.Tell(i);
        }
        for (var i = 0; i < 500; i++)
        {
            Assert.Equal(i, await probe.ExpectAsync<int>());
        }
    }

    [Fact]
    public async Task Ask_completes_with_the_reply()
    {
        var echo = _system.ActorOf(Props.Create(() => new Echo()), "echo");
        Assert.Equal("hi", await echo.Ask<string>("hi", TimeSpan.FromSeconds(5)));
        Assert.Equal("/user/echo", echo.Path.Elements);
    }

    [Fact]
    public async Task Ask_without_reply_times_out_naming_target_and_message()
    {
        var silent = _system.ActorOf(Props.Create(() => new Silent()), "silent");
        var error = await Assert.ThrowsAsync<TimeoutException>(() => silent.Ask<string>(42, TimeSpan.FromMilliseconds(100)));
        Assert.Contains("/user/silent", error.Message);
        Assert.Contains("Int32", error.Message);
    }

    [Fact]
    public async Task Ask_with_a_failure_reply_faults_with_its_cause()
    {
        var echo = _system.ActorOf(Props.Create(() => new Echo()));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => echo.Ask<string>(new Status.Failure(new InvalidOperationException("no disk")), TimeSpan.FromSeconds(5)));
        Assert.Equal("no disk", error.Message);
    }

    [Fact]
    public async Task Ask_with_a_reply_of_the_wrong_type_says_what_came_back()
    {
        var echo = _system.ActorOf(Props.Create(() => new Echo()));
        var error = await Assert.ThrowsAsync<InvalidCastException>(() => echo.Ask<string>(7, TimeSpan.FromSeconds(5)));
        Assert.Contains("Int32", error.Message);
    }

    [Fact]
    public async Task Watcher_gets_Terminated_when_the_actor_stops()
    {
        var probe = new Probe(_system);
        var target = _system.ActorOf(Props.Create(() => new Silent()));
        probe.Watch(target);
        _system.Stop(target);
        var terminated = await probe.ExpectAsync<Terminated>();
        Assert.Equal(target, terminated.Actor);
        Assert.True(terminated.ExistenceConfirmed);
        Assert.False(terminated.AddressTerminated);
    }

    [Fact]
    public async Task Watching_an_actor_that_already_stopped_still_delivers_Terminated()
    {
        var probe = new Probe(_system);
        var target = _system.ActorOf(Props.Create(() => new Silent()));
        var watcherOfWatcher = new Probe(_system);
        watcherOfWatcher.Watch(target);
        target.Tell(PoisonPill.Instance);
        await watcherOfWatcher.ExpectAsync<Terminated>();
        probe.Watch(target);
        Assert.Equal(target, (await probe.ExpectAsync<Terminated>()).Actor);
    }

    [Fact]
    public async Task Unwatched_actor_stops_without_Terminated()
    {
        var probe = new Probe(_system);
        var target = _system.ActorOf(Props.Create(() => new Silent()));
        probe.Watch(target);
        probe.Unwatch(target);
        probe.Ref.Tell("sync");
        await probe.ExpectAsync<string>();
        _system.Stop(target);
        // Watching it again gets the one Terminated a watch of a stopped actor gets; the first watch, undone, adds none.
        probe.Watch(target);
        await probe.ExpectAsync<Terminated>();
        probe.Ref.Tell("sync");
        Assert.Equal("sync", await probe.ExpectAsync<string>());
    }

    [Fact]
    public async Task PoisonPill_stops_after_the_messages_queued_before_it()
    {
        var probe = new Probe(_system);
        var relay = _system.ActorOf(Props.Create(() => new Relay(probe.Ref)));
        probe.Watch(relay);
        relay.Tell(1);
        relay.Tell(2);
        relay.Tell(PoisonPill.Instance);
        relay.Tell(3);
        Assert.Equal(1, await probe.ExpectAsync<int>());
        Assert.Equal(2, await probe.ExpectAsync<int>());
        await probe.ExpectAsync<Terminated>(); // a stopped actor relays nothing more, so 3 was never handled
    }

    [Fact]
    public async Task Children_stop_before_their_parent_runs_PostStop()
    {
        var probe = new Probe(_system);
        var parent = _system.ActorOf(Props.Create(() => new Lifecycle(probe.Ref, children: 2)), "parent");
        Assert.Equal("started /user/parent", await probe.ExpectAsync<string>());
        var started = new[] { await probe.ExpectAsync<string>(), await probe.ExpectAsync<string>() };
        Assert.All(started, s => Assert.StartsWith("started /user/parent/", s));
        _system.Stop(parent);
        var stops = new[] { await probe.ExpectAsync<string>(), await probe.ExpectAsync<string>(), await probe.ExpectAsync<string>() };
        Assert.Equal("stopped /user/parent", stops[2]);
        Assert.All(stops[..2], s => Assert.StartsWith("stopped /user/parent/", s));
    }

    [Fact]
    public async Task Duplicate_child_names_are_refused()
    {
        _system.ActorOf(Props.Create(() => new Silent()), "once");
        Assert.Throws<InvalidOperationException>(() => _system.ActorOf(Props.Create(() => new Silent()), "once"));
        Assert.Throws<ArgumentException>(() => _system.ActorOf(Props.Create(() => new Silent()), "a/b"));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task Single_timer_fires_once_and_periodic_timer_until_cancelled()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create("timers", new ActorSystemOptions { TimeProvider = time });
        var probe = new Probe(system);
        var timed = system.ActorOf(Props.Create(() => new Timed(probe.Ref)));
        timed.Tell(new Timed.StartSingle("once", TimeSpan.FromMilliseconds(30)));
        await NothingBeforeSyncAsync(timed, probe);
        time.Advance(TimeSpan.FromMilliseconds(29));
        await NothingBeforeSyncAsync(timed, probe);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("once", await probe.ExpectAsync<string>());
        time.Advance(TimeSpan.FromSeconds(1));
        await NothingBeforeSyncAsync(timed, probe);

        timed.Tell(new Timed.StartPeriodic("tick", TimeSpan.FromMilliseconds(20)));
        await NothingBeforeSyncAsync(timed, probe);
        for (var i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(20));
            Assert.Equal("tick", await probe.ExpectAsync<string>());
        }
        timed.Tell(new Timed.Cancel("tick"));
        await NothingBeforeSyncAsync(timed, probe);
        time.Advance(TimeSpan.FromSeconds(1));
        await NothingBeforeSyncAsync(timed, probe);
    }

    [Fact]
    public async Task Restarting_a_timer_key_replaces_the_earlier_timer()
    {
        var time = new FakeTimeProvider();
        await using var system = ActorSystem.Create("timers", new ActorSystemOptions { TimeProvider = time });
        var probe = new Probe(system);
        var timed = system.ActorOf(Props.Create(() => new Timed(probe.Ref)));
        timed.Tell(new Timed.StartSingle("first", TimeSpan.FromMilliseconds(50)));
        timed.Tell(new Timed.StartSingle("second", TimeSpan.FromMilliseconds(80)));
        await NothingBeforeSyncAsync(timed, probe);
        time.Advance(TimeSpan.FromMilliseconds(50));
        await NothingBeforeSyncAsync(timed, probe); // "first" was replaced
        time.Advance(TimeSpan.FromMilliseconds(30));
        Assert.Equal("second", await probe.ExpectAsync<string>());
        time.Advance(TimeSpan.FromSeconds(1));
        await NothingBeforeSyncAsync(timed, probe);
    }

    // Timers of a fake clock fire inside Advance, so whatever they sent the actor is in its mailbox before a message
    // sent after it; the actor relays in order, so nothing may come before the relayed "sync".
    private static async Task NothingBeforeSyncAsync(IActorRef timed, Probe probe)
    {
        timed.Tell("sync");
        Assert.Equal("sync", await probe.ExpectAsync<string>());
    }

    [Fact]
    public async Task Stashed_messages_come_back_in_order_after_UnstashAll()
    {
        var probe = new Probe(_system);
        var gate = _system.ActorOf(Props.Create(() => new Gate(probe.Ref)));
        gate.Tell(1);
        gate.Tell(2);
        gate.Tell("open");
        gate.Tell(3);
        Assert.Equal("opened", await probe.ExpectAsync<string>());
        Assert.Equal(1, await probe.ExpectAsync<int>());
        Assert.Equal(2, await probe.ExpectAsync<int>());
        Assert.Equal(3, await probe.ExpectAsync<int>());
    }

    [Fact]
    public async Task PipeTo_delivers_results_and_failures_as_messages()
    {
        var probe = new Probe(_system);
        Task.FromResult(5).PipeTo(probe.Ref);
        Assert.Equal(5, await probe.ExpectAsync<int>());
        Task.FromException<int>(new IOException("disk gone")).PipeTo(probe.Ref);
        var failure = await probe.ExpectAsync<Status.Failure>();
        Assert.IsType<IOException>(failure.Cause);
    }

    [Fact]
    public async Task Unhandled_messages_are_logged_not_lost_silently()
    {
        var silent = _system.ActorOf(Props.Create(() => new Silent()), "deaf");
        silent.Tell(3.5);
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < Probe.DefaultTimeout)
        {
            lock (_log)
            {
                if (_log.Any(e => e.Source.EndsWith("/user/deaf") && e.Message.Contains("unhandled message Double")))
                {
                    return;
                }
            }
            await Task.Delay(10);
        }
        Assert.Fail("no log line for the unhandled message");
    }

    private sealed class Relay(IActorRef target) : ActorBase
    {
        protected override void Receive(object message) => target.Tell(message, Self);
    }

    private sealed class Echo : ActorBase
    {
        protected override void Receive(object message) => Sender.Tell(message, Self);
    }

    private sealed class Silent : ActorBase
    {
        protected override void Receive(object message) => Unhandled(message);
    }

    private sealed class Lifecycle(IActorRef probe, int children) : ActorBase
    {
        protected override void PreStart()
        {
            probe.Tell($"started {Self.Path.Elements}");
            for (var i = 0; i < children; i++)
            {
                Context.ActorOf(Props.Create(() => new Lifecycle(probe, 0)), $"child{i}");
            }
        }

        protected override void PostStop() => probe.Tell($"stopped {Self.Path.Elements}");

        protected override void Receive(object message) => Unhandled(message);
    }

    private sealed class Timed(IActorRef probe) : ActorBase
    {
        public sealed record StartSingle(string Message, TimeSpan Delay);

        public sealed record StartPeriodic(string Message, TimeSpan Interval);

        public sealed record Cancel(string Key);

        protected override void Receive(object message)
        {
            switch (message)
            {
                case StartSingle single:
                    Context.Timers.StartSingleTimer("key", single.Message, single.Delay);
                    break;
                case StartPeriodic periodic:
                    Context.Timers.StartPeriodicTimer(periodic.Message, periodic.Message, periodic.Interval);
                    break;
                case Cancel cancel:
                    Context.Timers.Cancel(cancel.Key);
                    Assert.False(Context.Timers.IsTimerActive(cancel.Key));
                    break;
                default:
                    probe.Tell(message);
                    break;
            }
        }
    }

    private sealed class Gate(IActorRef probe) : ActorBase
    {
        private bool _open;

        protected override void Receive(object message)
        {
            if (message is "open")
            {
                _open = true;
                probe.Tell("opened");
                Context.Stash.UnstashAll();
            }
            else if (!_open)
            {
                Context.Stash.Stash();
            }
            else
            {
                probe.Tell(message);
            }
        }
    }
}
