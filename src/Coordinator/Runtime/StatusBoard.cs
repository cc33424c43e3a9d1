namespace Cluster.Coordinator.Runtime;

/// <summary>
/// The latest status the job actor published, read by the HTTP API and the progress display without asking the actor,
/// the job's <see cref="History"/> for the status page's charts, and the job's end.
/// </summary>
public sealed class StatusBoard
{
    private readonly TaskCompletionSource<JobStatus> finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private JobStatus? latest;

    public JobStatus? Latest => Volatile.Read(ref latest);

    public StatusHistory History { get; } = new();

    /// <summary>Completes with the final status once the job has ended and its nodes are gone.</summary>
    public Task<JobStatus> Finished => finished.Task;

    public void Publish(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        History.Record(status, DateTimeOffset.UtcNow);
        Volatile.Write(ref latest, status);
    }

    public void Complete(JobStatus status)
    {
        Publish(status);
        finished.TrySetResult(status);
    }
}
