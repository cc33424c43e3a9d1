using System.Diagnostics;
using Cluster.Shared.Actors;
using Microsoft.Extensions.Time.Testing;

namespace Cluster.Shared.Tests.Actors;

public sealed class SupervisionTests : IAsyncLifetime
{
    private ActorSystem _system = null!;

    public Task InitializeAsync()
    {
        _system = ActorSystem.Create("supervision", new ActorSystemOptions { Log = _ => { } });
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => _system.TerminateAsync();

    private static OneForOneStrategy Strategy(Directive directive, int maxRetries = 10, int minBackoffMs = 0) =>
        new(maxRetries, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(minBackoffMs), TimeSpan.FromSeconds(1), _ => directive);

    [Fact]
    public async Task Restart_replaces_the_instance_with_fresh_state_and_keeps_the_mailbox()
    {
        var probe = new Probe(_system);
        var parent = _system.ActorOf(Props.Create(() => new Parent(Strategy(Directive.Restart), probe.Ref)));
        var counter = await parent.Ask<IActorRef>("child", TimeSpan.FromSeconds(5));
        Assert.Equal("prestart", await probe.ExpectAsync<string>());
        counter.Tell("inc");
        counter.Tell("inc");
        counter.Tell("boom");
        counter.Tell("inc");
        counter.Tell("report");
        Assert.Equal("prerestart boom", await probe.ExpectAsync<string>());
        Assert.Equal("prestart", await probe.ExpectAsync<string>());
        Assert.Equal(1, await probe.ExpectAsync<int>());
    }

    [Fact]
    public async Task Resume_keeps_the_state_and_drops_only_the_failing_message()
    {
        var probe = new Probe(_system);
        var parent = _system.ActorOf(Props.Create(() => new Parent(Strategy(Directive.Resume), probe.Ref)));
        var counter = await parent.Ask<IActorRef>("child", TimeSpan.FromSeconds(5));
        await probe.ExpectAsync<string>();
        counter.Tell("inc");
        counter.Tell("boom");
        counter.Tell("inc");
        counter.Tell("report");
        Assert.Equal(2, await probe.ExpectAsync<int>());
    }

    [Fact]
    public async Task Stop_directive_terminates_the_child()
    {
        var probe = new Probe(_system);
        var parent = _system.ActorOf(Props.Create(() => new Parent(Strategy(Directive.Stop), probe.Ref)));
        var counter = await parent.Ask<IActorRef>("child", TimeSpan.FromSeconds(5));
        await probe.ExpectAsync<string>();
        probe.Watch(counter);
        counter.Tell("boom");
        Assert.Equal("poststop", await probe.ExpectAsync<string>());
        Assert.Equal(counter, (await probe.ExpectAsync<Terminated>()).Actor);
    }

    [Fact]
    public async Task A_child_failing_more_often_than_allowed_is_stopped()
    {
        var probe = new Probe(_system);
        var parent = _system.ActorOf(Props.Create(() => new Parent(Strategy(Directive.Restart, maxRetries: 2), probe.Ref)));
        var counter = await parent.Ask<IActorRef>("child", TimeSpan.FromSeconds(5));
        await probe.ExpectAsync<string>();
        probe.Watch(counter);
        for (var i = 0; i < 3; i++)
        {
            counter.Tell("boom");
        }
        var seen = new List<string>();
        while (true)
        {
            var next = await probe.ExpectAsync<object>();
            if (next is Terminated terminated)
            {
                Assert.Equal(counter, terminated.Actor);
                break;
            }
            seen.Add((string)next);
        }
        Assert.Equal(2, seen.Count(s => s == "prerestart boom"));
    }

    [Fact]
    public async Task Restart_waits_for_the_backoff_before_handling_more_messages()
    {
        var time = new FakeTimeProvider();
        var restartScheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var system = ActorSystem.Create("backoff", new ActorSystemOptions
        {
            Log = e => { if (e.Message.StartsWith("restarting", StringComparison.Ordinal)) restartScheduled.TrySetResult(); },
            TimeProvider = time,
        });
        var probe = new Probe(system);
        var parent = system.ActorOf(Props.Create(() => new Parent(Strategy(Directive.Restart, minBackoffMs: 200), probe.Ref)));
        var counter = await parent.Ask<IActorRef>("child", TimeSpan.FromSeconds(5));
        await probe.ExpectAsync<string>();
        counter.Tell("boom");
        counter.Tell("report");
        // The parent has decided and started the 200 ms restart timer of the fake clock (it logs that). Until the timer
        // is due the child stays suspended: nothing of the restart reaches the probe ahead of a marker.
        await restartScheduled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        time.Advance(TimeSpan.FromMilliseconds(199));
        probe.Ref.Tell("marker");
        Assert.Equal("marker", await probe.ExpectAsync<string>());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal("prerestart boom", await probe.ExpectAsync<string>());
        Assert.Equal("prestart", await probe.ExpectAsync<string>());
        Assert.Equal(0, await probe.ExpectAsync<int>());
    }

    [Fact]
    public async Task Escalate_hands_the_failure_to_the_grandparent_which_restarts_the_parent()
    {
        var probe = new Probe(_system);
        var grandparent = _system.ActorOf(Props.Create(() => new Parent(Strategy(Directive.Restart), probe.Ref, Strategy(Directive.Escalate))));
        var parent = await grandparent.Ask<IActorRef>("child", TimeSpan.FromSeconds(5));
        Assert.Equal("prestart", await probe.ExpectAsync<string>());
        var counter = await parent.Ask<IActorRef>("child", TimeSpan.FromSeconds(5));
        Assert.Equal("prestart", await probe.ExpectAsync<string>());
        counter.Tell("inc");
        counter.Tell("boom");
        // The parent's restart stops its children (the failing counter among them) instead of restarting them.
        Assert.Equal("parent prerestart boom", await probe.ExpectAsync<string>());
        Assert.Equal("poststop", await probe.ExpectAsync<string>());
        Assert.Empty(await parent.Ask<IReadOnlyCollection<IActorRef>>("children", TimeSpan.FromSeconds(5)));
        await parent.Ask<IActorRef>("child", TimeSpan.FromSeconds(5));
        Assert.Equal("prestart", await probe.ExpectAsync<string>());
    }

    [Fact]
    public async Task A_top_level_actor_that_cannot_start_is_stopped()
    {
        var probe = new Probe(_system);
        var broken = _system.ActorOf(Props.Create<Parent>(() => throw new InvalidOperationException("bad config")));
        probe.Watch(broken);
        Assert.Equal(broken, (await probe.ExpectAsync<Terminated>()).Actor);
    }

    /// <summary>Creates a child on request (a <see cref="Counter"/>, or with a child strategy another Parent).</summary>
    private sealed class Parent(OneForOneStrategy strategy, IActorRef probe, OneForOneStrategy? childStrategy = null) : ActorBase
    {
        protected override OneForOneStrategy SupervisorStrategy => strategy;

        protected override void PreStart()
        {
            if (childStrategy is null)
            {
                return;
            }
            probe.Tell("prestart");
        }

        protected override void PostStop()
        {
            if (childStrategy is not null)
            {
                probe.Tell("poststop");
            }
        }

        protected override void PreRestart(Exception cause, object? message)
        {
            probe.Tell($"parent prerestart {cause.Message}");
            base.PreRestart(cause, message);
        }

        protected override void Receive(object message)
        {
            switch (message)
            {
                case "child" when childStrategy is not null:
                    Sender.Tell(Context.ActorOf(Props.Create(() => new Parent(childStrategy, probe))));
                    break;
                case "child":
                    Sender.Tell(Context.ActorOf(Props.Create(() => new Counter(probe))));
                    break;
                case "children":
                    Sender.Tell(Context.Children);
                    break;
                default:
                    Unhandled(message);
                    break;
            }
        }
    }

    private sealed class Counter(IActorRef probe) : ActorBase
    {
        private int _count;

        protected override void PreStart() => probe.Tell("prestart");

        protected override void PostStop() => probe.Tell("poststop");

        protected override void PreRestart(Exception cause, object? message) => probe.Tell($"prerestart {cause.Message}");

        protected override void Receive(object message)
        {
            switch (message)
            {
                case "inc":
                    _count++;
                    break;
                case "boom":
                    throw new InvalidOperationException("boom");
                case "report":
                    probe.Tell(_count);
                    break;
            }
        }
    }
}
