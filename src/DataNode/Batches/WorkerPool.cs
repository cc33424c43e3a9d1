namespace Cluster.DataNode.Batches;

/// <summary>
/// Runs batch builds on the thread pool, at most <see cref="Workers"/> at once; the rest wait without holding a
/// thread. Actors hand work here and get the result back as a message, so no mailbox ever blocks on decoding.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly SemaphoreSlim _slots;

    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        _slots = new SemaphoreSlim(workers, workers);
    }

    public int Workers { get; }

    public async Task<T> Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        await _slots.WaitAsync().ConfigureAwait(false);
        try
        {
            return await Task.Run(work).ConfigureAwait(false);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
