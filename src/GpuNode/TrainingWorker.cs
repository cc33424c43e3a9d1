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
    private readonly BlockingCollection<Func<object>> queue = [];
    private readonly IActorRef owner;
    private readonly Thread thread;

    public TrainingWorker(IActorRef owner, string name)
    {
        ArgumentNullException.ThrowIfNull(owner);
        this.owner = owner;
        thread = new Thread(Run) { IsBackground = true, Name = name };
        thread.Start();
    }

    public void Post(Func<object> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        queue.Add(work);
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
        foreach (var work in queue.GetConsumingEnumerable())
        {
            object result;
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                result = new WorkFailed(e);
            }
            owner.Tell(result);
        }
    }
}
