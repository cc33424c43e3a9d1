using Cluster.DataNode.Batches;

namespace Cluster.DataNode.Tests;

public sealed class WorkerPoolTests
{
    [Fact]
    public async Task No_more_builds_run_at_once_than_there_are_workers()
    {
        using var pool = new WorkerPool(2);
        int running = 0, most = 0;
        var gate = new object();

        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => pool.Run(() =>
        {
            lock (gate) most = Math.Max(most, ++running);
            // Stay busy until a second build runs (or long enough for an unbounded pool to start them all), so the
            // count does not depend on how fast a loaded machine starts threads.
            SpinWait.SpinUntil(() => Volatile.Read(ref most) >= 2, TimeSpan.FromSeconds(5));
            Thread.Sleep(100);
            lock (gate) running--;
            return i;
        })));

        Assert.Equal(Enumerable.Range(0, 6), results);
        Assert.Equal(2, most);
    }

    [Fact]
    public async Task A_failing_build_faults_its_task_and_frees_its_worker()
    {
        using var pool = new WorkerPool(1);

        await Assert.ThrowsAsync<InvalidOperationException>(() => pool.Run<int>(() => throw new InvalidOperationException("bad")));

        Assert.Equal(7, await pool.Run(() => 7).WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
