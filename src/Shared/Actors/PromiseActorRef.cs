using Cluster.Shared.Actors.Internal;

namespace Cluster.Shared.Actors;

/// <summary>The temporary reply address of one <c>Ask</c>; registered by path so remote replies find it.</summary>
internal sealed class PromiseActorRef : ActorRefBase
{
    private readonly ActorSystem _system;
    private readonly TaskCompletionSource<object> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public PromiseActorRef(ActorSystem system, ActorPath path)
    {
        _system = system;
        Path = path;
        _completion.Task.ContinueWith(_ => _system.UnregisterTemp(this), TaskScheduler.Default);
    }

    public override ActorPath Path { get; }

    public override ActorSystem? System => _system;

    public Task<object> Result => _completion.Task;

    public override void Tell(object message, IActorRef? sender = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var completed = message is Status.Failure failure
            ? _completion.TrySetException(failure.Cause)
            : _completion.TrySetResult(message);
        if (!completed)
        {
            _system.DeadLetter(Path, message, sender ?? ActorRefs.Nobody);
        }
    }

    public void Fail(Exception exception) => _completion.TrySetException(exception);

    public override void SendSystemMessage(SystemMessage message)
    {
    }
}
