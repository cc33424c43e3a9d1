namespace Cluster.DataNode.Batches;

/// <summary>
/// Runs batch builds on the thread pool, at most <see cref="Workers"/> at once; the rest wait without holding a
/// thread. Actors hand work here and get the result back as a message, so no mailbox ever blocks on decoding.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private int _pending;
    private int _busy;
    private long _busyTicks;

    public WorkerPool(int workers)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        Workers = workers;
        _slots = new SemaphoreSlim(workers, workers);
    }

    public int Workers { get; }

    /// <summary>Work handed in and not finished: waiting for a worker or running.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>Workers running something now.</summary>
    public int Busy => Volatile.Read(ref _busy);

    /// <summary>Worker time spent on finished and running work so far (its rate over <see cref="Workers"/> is the busy share).</summary>
    public TimeSpan BusyTime => TimeSpan.FromTicks(Interlocked.Read(ref _busyTicks));

    public async Task<T> Run<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Interlocked.Increment(ref _pending);
        try
        {
            await _slots.WaitAsync().ConfigureAwait(false);
            try
            {
                return await Task.Run(() =>
                {
                    Interlocked.Increment(ref _busy);
                    long started = System.Diagnostics.Stopwatch.GetTimestamp();
                    try
                    {
                        return work();
                    }
                    finally
                    {
                        Interlocked.Add(ref _busyTicks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
                        Interlocked.Decrement(ref _busy);
                    }
                }).ConfigureAwait(false);
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _pending);
        }
    }

    public void Dispose() => _slots.Dispose();
}
