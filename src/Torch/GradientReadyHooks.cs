using System.Runtime.InteropServices;
using Cluster.Torch.Interop;

namespace Cluster.Torch;

/// <summary>
/// Tells when each parameter's gradient is complete during backward, as DistributedDataParallel's reducer learns it:
/// a hook on each parameter's gradient accumulator calls back with the parameter's index once its
/// <c>.grad</c> holds the whole gradient of the running backward, on the thread running backward. Only while
/// <see cref="Armed"/>: a step arms the hooks for its last backward, when the gradients are final.
/// </summary>
public sealed class GradientReadyHooks : IDisposable
{
    private readonly GCHandle self;
    private readonly Action<int> ready;
    private IntPtr handle;
    private bool armed;

    /// <param name="parameters">Leaves that require grad.</param>
    /// <param name="ready">Must not throw: an exception cannot travel through autograd's native frames, so one is
    /// kept and rethrown by <see cref="ThrowIfFailed"/>.</param>
    public unsafe GradientReadyHooks(IReadOnlyList<Tensor> parameters, Action<int> ready)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(ready);
        this.ready = ready;
        self = GCHandle.Alloc(this);
        var handles = parameters.Select(p => p.Handle).ToArray();
        fixed (IntPtr* p = handles)
            handle = Native.ts_grad_hooks_new(p, handles.Length, &OnReady, (void*)GCHandle.ToIntPtr(self));
        GC.KeepAlive(parameters);
        if (handle == IntPtr.Zero)
        {
            // The error is read before anything else can call into the shim on this thread.
            var error = NativeCheck.LastError();
            self.Free();
            throw error;
        }
    }

    /// <summary>The first exception the callback threw, if any.</summary>
    public Exception? Failure { get; private set; }

    public bool Armed
    {
        get => armed;
        set
        {
            ObjectDisposedException.ThrowIf(handle == IntPtr.Zero, this);
            NativeCheck.Status(Native.ts_grad_hooks_arm(handle, value ? 1 : 0));
            armed = value;
        }
    }

    public void ThrowIfFailed()
    {
        if (Failure is { } failure) throw new InvalidOperationException($"a gradient-ready hook failed: {failure.Message}", failure);
    }

    public void Dispose()
    {
        if (handle == IntPtr.Zero) return;
        Native.ts_grad_hooks_free(handle);
        handle = IntPtr.Zero;
        self.Free();
    }

    [UnmanagedCallersOnly]
    private static unsafe void OnReady(void* context, int index)
    {
        var hooks = (GradientReadyHooks)GCHandle.FromIntPtr((IntPtr)context).Target!;
        try
        {
            hooks.ready(index);
        }
        catch (Exception error)
        {
            hooks.Failure ??= error;
        }
    }
}
