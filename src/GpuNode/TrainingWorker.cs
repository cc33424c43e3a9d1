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

    /// <summary>Stops taking work and waits for what is running to finish.</summary>
    public void Dispose()
    {
        queue.CompleteAdding();
        if (Thread.CurrentThread != thread) thread.Join();
        queue.Dispose();
    }

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
