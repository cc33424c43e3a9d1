namespace Cluster.Shared.Actors;

public static class PipeToExtensions
{
    /// <summary>
    /// Sends the task's result to <paramref name="recipient"/> as a message when it completes, or a
    /// <see cref="Status.Failure"/> when it faults or is cancelled, so the actor handles it in order.
    /// </summary>
    public static void PipeTo<T>(this Task<T> task, IActorRef recipient, IActorRef? sender = null,
        Func<T, object>? success = null, Func<Exception, object>? failure = null)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(recipient);
        task.ContinueWith(completed =>
        {
            if (completed.IsCompletedSuccessfully)
            {
                object? result = success is null ? completed.Result : success(completed.Result);
                recipient.Tell(result ?? new Status.Failure(new InvalidOperationException("piped task returned null")), sender);
                return;
            }
            Exception cause = completed.Exception?.InnerExceptions.Count == 1
                ? completed.Exception.InnerException!
                : (Exception?)completed.Exception ?? new TaskCanceledException(completed);
            recipient.Tell(failure is null ? new Status.Failure(cause) : failure(cause), sender);
        }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
