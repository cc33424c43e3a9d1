using Cluster.DataNode.Batches;

namespace Cluster.DataNode.Tests;

public sealed class WorkerPoolTests
{
    [Fact]
    public async Task No_more_builds_run_at_once_than_there_are_workers()
    {
        using var pool = new WorkerPool(2);
        using var twoRunning = new ManualResetEventSlim();
        using var gate = new ManualResetEventSlim();
        int running = 0, most = 0;
        var sync = new object();

        // Every build holds its worker until the gate opens, which happens once two run: a third could only have
        // started beside them if the pool let it.
        var builds = Enumerable.Range(0, 6).Select(i => pool.Run(() =>
        {
            lock (sync)
            {
                most = Math.Max(most, ++running);
                if (running == 2) twoRunning.Set();
            }
            gate.Wait();
            lock (sync) running--;
            return i;
        })).ToList();
        twoRunning.Wait();
        lock (sync) Assert.Equal(2, running);
        gate.Set();
        var results = await Task.WhenAll(builds);

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
