using Cluster.Torch.Interop;

namespace Cluster.Torch.Distributed;

/// <summary>
/// This rank's membership of a c10d process group (Gloo or NCCL). Collectives must be called by
/// every rank in the same order, so issue them from one thread at a time; each Begin* call returns
/// a <see cref="CollectiveWork"/>, the plain ones wait for it. With <see cref="ProcessGroupOptions.VerifyShapes"/> (the default) the
/// Begin* calls first agree with the peers on what is being done, so they block until every rank
/// has made the same call (or the timeout passes).
/// <para>
/// <see cref="Abort"/> fails every pending and future collective of the group on this rank and
/// breaks its connections, so peers blocked on this rank fail too instead of waiting out the
/// timeout. <see cref="Dispose"/> aborts first when collectives of this rank are still unsettled
/// (issued and neither waited for nor seen complete), so disposing never hangs on a lost peer.
/// </para>
/// </summary>
public sealed class ProcessGroup : IDisposable
{
    private readonly object gate = new();
    private IntPtr handle;
    private int callsInFlight;
    private int unsettledWorks;
    private bool aborted;

    public unsafe ProcessGroup(TcpStore store, ProcessGroupOptions options)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrEmpty(options.GroupName, nameof(options.GroupName));
        if (options.WorldSize < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.WorldSize, $"world size must be at least 1, got {options.WorldSize}");
        if (options.Rank < 0 || options.Rank >= options.WorldSize)
            throw new ArgumentOutOfRangeException(nameof(options), options.Rank, $"rank {options.Rank} is outside the world of size {options.WorldSize} (ranks are 0..{options.WorldSize - 1})");
        var milliseconds = NativeText.Milliseconds(options.Timeout, nameof(options.Timeout));
        var name = NativeText.Utf8(options.GroupName);
        var host = options.DeviceHost is null ? null : NativeText.Utf8(options.DeviceHost);
        fixed (byte* n = name)
        fixed (byte* h = host)
            handle = NativeCheck.Handle(Native.ts_process_group_new(store.Handle, n, (int)options.Backend, options.Rank,
                options.WorldSize, milliseconds, h, options.VerifyShapes ? 1 : 0));
        GC.KeepAlive(store);
        Options = options;
    }

    public ProcessGroupOptions Options { get; }

    public int Rank => Options.Rank;

    public int WorldSize => Options.WorldSize;

    public DistributedBackend Backend => Options.Backend;

    public bool IsAborted
    {
        get
        {
            lock (gate) return aborted;
        }
    }

    /// <summary>Whether this build of the shim has the backend (NCCL needs a shim built against a CUDA libtorch).</summary>
    public static bool IsAvailable(DistributedBackend backend) => NativeCheck.Status(Native.ts_backend_available((int)backend)) == 1;

    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum) => WaitAndDispose(BeginAllReduce(tensor, op));

    public CollectiveWork BeginAllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return BeginAllReduceCoalesced([tensor], op);
    }

    /// <summary>All-reduces the tensors in place as one bucket: one collective over their flattened concatenation.</summary>
    public void AllReduceCoalesced(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum) => WaitAndDispose(BeginAllReduceCoalesced(tensors, op));

    public unsafe CollectiveWork BeginAllReduceCoalesced(IReadOnlyList<Tensor> tensors, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Count == 0) throw new ArgumentException("all-reduce needs at least one tensor", nameof(tensors));
        if (!Enum.IsDefined(op)) throw new ArgumentOutOfRangeException(nameof(op), op, "unknown reduce op");
        var handles = new IntPtr[tensors.Count];
        for (var i = 0; i < handles.Length; i++) handles[i] = (tensors[i] ?? throw new ArgumentNullException(nameof(tensors), $"tensor {i} is null")).Handle;
        return Issue("all_reduce", pg =>
        {
            fixed (IntPtr* p = handles) return Native.ts_all_reduce(pg, p, handles.Length, (int)op);
        }, tensors);
    }

    /// <summary>Copies root's tensor into the tensor of every other rank (in place).</summary>
    public void Broadcast(Tensor tensor, int root) => WaitAndDispose(BeginBroadcast(tensor, root));

    public CollectiveWork BeginBroadcast(Tensor tensor, int root)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var h = tensor.Handle;
        // A root outside the world is reported by the shim after the ranks compared their calls, so
        // that every rank fails instead of the others waiting for the timeout.
        return Issue("broadcast", pg => Native.ts_broadcast(pg, h, root), tensor);
    }

    /// <summary>Every rank's input, in rank order, as new tensors shaped like the input.</summary>
    public Tensor[] AllGather(Tensor input)
    {
        using var work = BeginAllGather(input, out var outputs);
        work.Wait();
        return outputs;
    }

    public unsafe CollectiveWork BeginAllGather(Tensor input, out Tensor[] outputs)
    {
        ArgumentNullException.ThrowIfNull(input);
        var h = input.Handle;
        var handles = new IntPtr[WorldSize];
        var work = Issue("all_gather", pg =>
        {
            fixed (IntPtr* p = handles) return Native.ts_all_gather(pg, h, p, handles.Length);
        }, input);
        outputs = handles.Select(o => Tensor.Wrap(o)).ToArray();
        return work;
    }

    public void Barrier() => WaitAndDispose(BeginBarrier());

    public CollectiveWork BeginBarrier() => Issue("barrier", Native.ts_barrier, this);

    /// <summary>
    /// Fails every pending and future collective of the group on this rank and breaks its
    /// connections so that peers waiting on this rank fail at once (a peer waiting on some other,
    /// hung rank needs its own Abort). The group cannot be used afterwards; form a new one (with a
    /// new <see cref="ProcessGroupOptions.GroupName"/>). Returns false when the connections could
    /// only be closed: peers fail, but collectives pending on this rank end at the group's timeout.
    /// </summary>
    public bool Abort()
    {
        IntPtr h;
        lock (gate)
        {
            if (aborted || handle == IntPtr.Zero) return true;
            aborted = true;
            h = handle;
            // The handle is freed only once no call is in flight (Dispose waits), so it stays valid here.
            callsInFlight++;
        }
        try
        {
            return NativeCheck.Status(Native.ts_process_group_abort(h)) == 0;
        }
        finally
        {
            Leave();
        }
    }

    public void Dispose()
    {
        bool abort;
        lock (gate)
        {
            if (handle == IntPtr.Zero) return;
            abort = !aborted && (callsInFlight > 0 || unsettledWorks > 0);
        }
        if (abort) Abort();
        IntPtr h;
        lock (gate)
        {
            while (callsInFlight > 0) Monitor.Wait(gate);
            h = handle;
            handle = IntPtr.Zero;
        }
        if (h != IntPtr.Zero) Native.ts_process_group_free(h);
    }

    private static void WaitAndDispose(CollectiveWork work)
    {
        using (work) work.Wait();
    }

    private CollectiveWork Issue(string operation, Func<IntPtr, IntPtr> call, object keepAlive)
    {
        IntPtr h;
        lock (gate)
        {
            if (handle == IntPtr.Zero) throw new ObjectDisposedException(nameof(ProcessGroup), $"the process group '{Options.GroupName}' was disposed");
            h = handle;
            callsInFlight++;
        }
        try
        {
            var work = NativeCheck.Handle(call(h));
            GC.KeepAlive(keepAlive);
            Interlocked.Increment(ref unsettledWorks);
            return new CollectiveWork(work, operation, () => Interlocked.Decrement(ref unsettledWorks));
        }
        finally
        {
            Leave();
        }
    }

    private void Leave()
    {
        lock (gate)
        {
            callsInFlight--;
            Monitor.PulseAll(gate);
        }
    }
}
