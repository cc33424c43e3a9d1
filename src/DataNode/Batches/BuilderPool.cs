using System.Collections.Concurrent;

namespace Cluster.DataNode.Batches;

/// <summary>
/// Builders keep scratch buffers (the FFT of the log-Mel extractor), so each worker borrows one of its own instead of
/// sharing; a pool grows to the number of workers that ever run at once.
/// </summary>
public sealed class BuilderPool<TBuilder>(Func<TBuilder> create)
    where TBuilder : class
{
    private readonly ConcurrentBag<TBuilder> _idle = [];

    public TResult Use<TResult>(Func<TBuilder, TResult> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        TBuilder builder = _idle.TryTake(out var idle) ? idle : create();
        try
        {
            return work(builder);
        }
        finally
        {
            _idle.Add(builder);
        }
    }
}
