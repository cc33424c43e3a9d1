using System.Collections.Concurrent;
using Cluster.Shared.Actors;

namespace Cluster.GpuNode;

/// <summary>
/// The dedicated thread the training compute runs on, so a step (or a collective waiting on a slow peer) never blocks
/// the trainer actor's mailbox. Work runs in the order posted; each result, or the exception as
/// <see cref="WorkFailed"/>, is told to the actor.
/// </summary>
public sealed class TrainingWorker : IDisposable
{
    private readonly BlockingCollection<(Func<object> Work, long Generation)> queue = [];
    private readonly IActorRef owner;
    private readonly Thread thread;

    public TrainingWorker(IActorRef owner, string name)
    {
        ArgumentNullException.ThrowIfNull(owner);
        this.owner = owner;
        thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.Start();
    }

    /// <param name="generation">The process group the work belongs to; reported back with a failure.</param>
    public void Post(Func<object> work, long generation)
    {
        ArgumentNullException.ThrowIfNull(work);
        queue.Add((work, generation));
    }

    /// <summary>Stops taking work and waits up to <paramref name="patience"/> for what is running to finish.</summary>
    /// <returns>Whether the thread ended; if not (stuck in a native call), what it uses must not be released.</returns>
    public bool Stop(TimeSpan patience)
    {
        queue.CompleteAdding();
        if (Thread.CurrentThread == thread || !thread.Join(patience)) return false;
        queue.Dispose();
        return true;
    }

    public void Dispose() => Stop(Timeout.InfiniteTimeSpan);

    private void Run()
    {
        foreach (var (work, generation) in queue.GetConsumingEnumerable())
        {
            object result;
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                result = new WorkFailed(e, generation);
            }
            owner.Tell(result);
        }
    }
}
