using Cluster.Torch.Interop;

namespace Cluster.Torch.Distributed;

/// <summary>
/// A collective in flight. Its tensors hold the result only after <see cref="Wait()"/> (or a
/// <see cref="Wait(TimeSpan)"/> that returned true): in-place results of a bucket are copied back,
/// and an emulated average divided, at that moment. Stays usable after its group is disposed.
/// </summary>
public sealed class CollectiveWork : IDisposable
{
    private IntPtr handle;
    private Action? settled;

    /// <param name="settled">Called once when the collective is known to be over (done or failed).</param>
    internal CollectiveWork(IntPtr handle, string operation, Action settled)
    {
        this.handle = handle;
        Operation = operation;
        this.settled = settled;
    }

    ~CollectiveWork() => Release();

    public string Operation { get; }

    private IntPtr Handle
    {
        get
        {
            var h = handle;
            if (h == IntPtr.Zero) throw new ObjectDisposedException(nameof(CollectiveWork), $"the {Operation} work was disposed");
            return h;
        }
    }

    public bool IsCompleted
    {
        get
        {
            var done = NativeCheck.Status(Native.ts_work_is_completed(Handle)) == 1;
            GC.KeepAlive(this);
            if (done) Settle();
            return done;
        }
    }

    /// <summary>Waits until the collective completes; it fails (TorchException) at the group's timeout, when a peer is gone, or on abort.</summary>
    public void Wait()
    {
        try
        {
            NativeCheck.Status(Native.ts_work_wait(Handle, -1));
        }
        finally
        {
            Settle();
            GC.KeepAlive(this);
        }
    }

    /// <summary>False when the collective is still running after timeout (it keeps running; abort the group to stop it).</summary>
    public bool Wait(TimeSpan timeout)
    {
        var milliseconds = NativeText.Milliseconds(timeout, nameof(timeout));
        var status = Native.ts_work_wait(Handle, milliseconds);
        GC.KeepAlive(this);
        if (status != 0) Settle();
        return NativeCheck.Status(status) == 1;
    }

    private void Settle() => Interlocked.Exchange(ref settled, null)?.Invoke();

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Native.ts_work_free(h);
    }
}
