using Cluster.Shared.Actors.Internal;

namespace Cluster.Shared.Actors;

/// <summary>
/// An actor: handles one message at a time in <see cref="Receive"/>. Exceptions go to the parent's
/// supervisor strategy. Async work comes back as messages (<see cref="PipeToExtensions"/>), never
/// by awaiting inside <see cref="Receive"/>.
/// </summary>
public abstract class ActorBase
{
    private readonly ActorCell _cell;

    protected ActorBase()
    {
        _cell = ActorCell.Constructing
            ?? throw new InvalidOperationException($"{GetType().Name} must be created through Props and ActorOf, not with new");
    }

    protected IActorContext Context => _cell;

    internal OneForOneStrategy ChildStrategy => SupervisorStrategy;

    protected IActorRef Self => _cell.Self;

    protected IActorRef Sender => _cell.Sender;

    /// <summary>The strategy this actor applies to its own children.</summary>
    protected virtual OneForOneStrategy SupervisorStrategy => _cell.System.Options.DefaultSupervisorStrategy;

    protected abstract void Receive(object message);

    /// <summary>Called for messages <see cref="Receive"/> does not handle; logs them.</summary>
    protected void Unhandled(object message) =>
        _cell.System.Log(ActorLogLevel.Debug, Self.Path.ToString(), $"unhandled message {message.GetType().Name} from {Sender.Path}");

    protected virtual void PreStart()
    {
    }

    protected virtual void PostStop()
    {
    }

    /// <summary>Before the old instance is replaced: by default stops the children and calls <see cref="PostStop"/>.</summary>
    protected virtual void PreRestart(Exception cause, object? message)
    {
        foreach (var child in Context.Children)
        {
            Context.Stop(child);
        }
        PostStop();
    }

    /// <summary>On the new instance after a restart: by default calls <see cref="PreStart"/>.</summary>
    protected virtual void PostRestart(Exception cause) => PreStart();

    internal void InvokeReceive(object message) => Receive(message);

    internal void InvokePreStart() => PreStart();

    internal void InvokePostStop() => PostStop();

    internal void InvokePreRestart(Exception cause, object? message) => PreRestart(cause, message);

    internal void InvokePostRestart(Exception cause) => PostRestart(cause);
}
