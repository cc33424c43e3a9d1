using System.Threading.Channels;
using Cluster.Shared.Actors;

namespace Cluster.DataNode.Tests;

/// <summary>An actor standing in for the coordinator or a trainer: everything it receives is queued for the test.</summary>
public sealed class Inbox
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    private readonly Channel<(object Message, IActorRef Sender)> _received = Channel.CreateUnbounded<(object, IActorRef)>();

    public Inbox(ActorSystem system, string name)
    {
        Ref = system.ActorOf(Props.Create(() => new InboxActor(_received.Writer)), name);
    }

    public IActorRef Ref { get; }

    public IActorRef LastSender { get; private set; } = ActorRefs.Nobody;

    /// <summary>The next message, which must be a <typeparamref name="T"/>.</summary>
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
            throw new TimeoutException($"{Ref.Path}: no {typeof(T).Name} within {timeout ?? DefaultTimeout}");
        }
        LastSender = next.Sender;
        return Assert.IsType<T>(next.Message);
    }

    /// <summary>
    /// Nothing is waiting in the inbox now. Tests call it after an event that proves, by message order, that anything
    /// unexpected would already be here (a later message from the same sender has arrived), not after waiting a while.
    /// </summary>
    public void AssertEmpty() =>
        Assert.False(_received.Reader.TryRead(out var unexpected), $"unexpected message {unexpected.Message}");

    private sealed class InboxActor(ChannelWriter<(object, IActorRef)> writer) : ActorBase
    {
        protected override void Receive(object message) => writer.TryWrite((message, Sender));
    }
}
