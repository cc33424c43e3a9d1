namespace Cluster.Shared.Actors;

public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> with a temporary reply address and completes with the first reply.
    /// A <see cref="Status.Failure"/> reply faults the task with its cause; no reply within
    /// <paramref name="timeout"/> faults it with a <see cref="TimeoutException"/> naming target and message.
    /// </summary>
    public static async Task<T> Ask<T>(this IActorRef target, object message, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(message);
        var system = (target as ActorRefBase)?.System
            ?? throw new ArgumentException($"cannot ask {target.Path}: it belongs to no actor system", nameof(target));
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "ask timeout must be positive");
        }
        var promise = system.CreatePromise();
        using var timer = system.TimeProvider.CreateTimer(
            _ => promise.Fail(new TimeoutException(
                $"ask to {target.Path} with {message.GetType().Name} got no reply within {timeout.TotalMilliseconds:0} ms")),
            null, timeout, Timeout.InfiniteTimeSpan);
        target.Tell(message, promise);
        var reply = await promise.Result.ConfigureAwait(false);
        return reply is T typed
            ? typed
            : throw new InvalidCastException(
                $"ask to {target.Path} with {message.GetType().Name}: expected a {typeof(T).Name} reply but got {reply.GetType().Name}");
    }
}
