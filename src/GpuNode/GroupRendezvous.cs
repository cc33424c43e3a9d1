using System.Diagnostics;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode;

/// <summary>
/// Every rank checks in on the coordinator's store before the process group is built. Building a Gloo group blocks
/// until every rank connected or the group's timeout passed, and nothing interrupts it; a group formed with a trainer
/// that died a moment earlier would hold the survivors there for minutes. Checking in first is a wait that an
/// <c>AbortGroup</c> (or a newer <c>FormGroup</c>) can cancel, and the group is built only once every rank is there.
/// </summary>
public static class GroupRendezvous
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>Checks in as one of <paramref name="worldSize"/> ranks of <paramref name="group"/> and returns once all
    /// have.</summary>
    /// <exception cref="OperationCanceledException">The join was cancelled (the group was aborted).</exception>
    /// <exception cref="TimeoutException">Not every rank arrived within <paramref name="timeout"/>.</exception>
    public static void Arrive(TcpStore store, string group, int worldSize, TimeSpan timeout, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentException.ThrowIfNullOrEmpty(group);
        ArgumentOutOfRangeException.ThrowIfLessThan(worldSize, 1);
        // Not under the group's own prefix, where c10d keeps its keys.
        string arrived = $"rendezvous/{group}/arrived";
        string complete = $"rendezvous/{group}/complete";
        if (store.Add(arrived, 1) >= worldSize) store.Set(complete, "1");
        var clock = Stopwatch.StartNew();
        while (!store.Check(complete))
        {
            cancel.ThrowIfCancellationRequested();
            if (clock.Elapsed > timeout)
                throw new TimeoutException($"only {store.Add(arrived, 0)} of {worldSize} ranks arrived at group '{group}' within {timeout.TotalSeconds:F0} s");
            Thread.Sleep(PollInterval);
        }
    }
}
