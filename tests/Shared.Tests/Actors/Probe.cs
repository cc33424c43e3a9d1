using System.Threading.Channels;
using Cluster.Shared.Actors;

namespace Cluster.Shared.Tests.Actors;

/// <summary>An actor whose inbox the test reads: every message (and its sender) is queued for assertions.</summary>
public sealed class Probe
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly Channel<(object Message, IActorRef Sender)> _received = Channel.CreateUnbounded<(object, IActorRef)>();

    public Probe(ActorSystem system, string? name = null)
    {
        Ref = system.ActorOf(Props.Create(() => new ProbeActor(_received.Writer)), name);
    }

    public IActorRef Ref { get; }

    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    /// <summary>Makes the probe actor watch <paramref name="target"/>; its Terminated arrives in the inbox.</summary>
    public void Watch(IActorRef target) => Ref.Tell(new ProbeCommand(target, Watch: true));

    public void Unwatch(IActorRef target) => Ref.Tell(new ProbeCommand(target, Watch: false));

    public async Task<T> ExpectAsync<T>(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? DefaultTimeout);
        (object Message, IActorRef Sender) next;
        try
        {
            next = await _received.Reader.ReadAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"probe {Ref.Path}: no {typeof(T).Name} within {timeout ?? DefaultTimeout}");
        }
        LastSender = next.Sender;
        return Assert.IsAssignableFrom<T>(next.Message);
    }

    /// <summary>
    /// Nothing is waiting now. Called after an event that proves, by message order, that anything unexpected would
    /// already be here (a later message on the same path has arrived), not after waiting a while.
    /// </summary>
    public void AssertEmpty() =>
        Assert.False(_received.Reader.TryRead(out var unexpected), $"unexpected message {unexpected.Message}");

    /// <summary>
    /// Nothing arrives during <paramref name="wait"/> of real time. Only for a property that is about time passing: a
    /// healthy connection is not declared lost while its heartbeats flow.
    /// </summary>
    public async Task ExpectNoMessageForAsync(TimeSpan wait)
    {
        await Task.Delay(wait);
        AssertEmpty();
    }

    public sealed record ProbeCommand(IActorRef Target, bool Watch);

    private sealed class ProbeActor(ChannelWriter<(object, IActorRef)> writer) : ActorBase
    {
        protected override void Receive(object message)
        {
            if (message is ProbeCommand command)
            {
                if (command.Watch)
                {
                    Context.Watch(command.Target);
                }
                else
                {
                    Context.Unwatch(command.Target);
                }
                return;
            }
            writer.TryWrite((message, Sender));
        }
    }
}
