namespace Cluster.Coordinator.Jobs;

/// <summary>
/// The recent rates <see cref="DataWorkersDesired"/> decides from: the batches and compute time (step time minus data
/// wait) of the last commits, and the build times of the last batches sent. Bounded, so the estimate follows a run
/// whose speed changes (a scale, a new epoch's longer clips) instead of averaging over all of it.
/// </summary>
public sealed class DataRateWindow(int capacity = 256)
{
    private readonly Queue<(int Batches, double ComputeSeconds)> commits = new();
    private readonly Queue<double> builds = new();

    /// <summary>A rank committed <paramref name="batches"/> batches in a step of <paramref name="stepSeconds"/>, of which it
    /// waited <paramref name="dataWaitSeconds"/> for them.</summary>
    public void Committed(int batches, double stepSeconds, double dataWaitSeconds)
    {
        if (batches <= 0 || !double.IsFinite(stepSeconds) || !double.IsFinite(dataWaitSeconds)) return;
        Add(commits, (batches, Math.Max(0, stepSeconds - dataWaitSeconds)));
    }

    /// <summary>A DataNode built a batch in <paramref name="seconds"/> (0 from a node that does not report it: ignored).</summary>
    public void Built(double seconds)
    {
        if (seconds > 0 && double.IsFinite(seconds)) Add(builds, seconds);
    }

    public DataRates Rates(int workersPerNode) =>
        new(commits.Sum(c => (long)c.Batches), commits.Sum(c => c.ComputeSeconds), builds.Count, builds.Sum(), workersPerNode);

    private void Add<T>(Queue<T> queue, T item)
    {
        queue.Enqueue(item);
        while (queue.Count > capacity) queue.Dequeue();
    }
}
