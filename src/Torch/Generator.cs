using Cluster.Torch.Interop;

namespace Cluster.Torch;

/// <summary>
/// A CPU random generator of its own (torch.Generator), for reproducible streams that do not
/// disturb the global one. Its state can be saved and restored for checkpoints.
/// </summary>
public sealed class Generator : IDisposable
{
    private IntPtr handle;

    public Generator(ulong seed)
    {
        handle = NativeCheck.Handle(Native.ts_generator_new(seed, (int)DeviceType.CPU, -1));
    }

    ~Generator() => Release();

    internal IntPtr Handle => handle != IntPtr.Zero ? handle : throw new ObjectDisposedException(nameof(Generator));

    /// <summary>The full generator state as bytes (PyTorch's <c>get_state()</c>).</summary>
    public byte[] get_state()
    {
        using var state = Tensor.Wrap(Native.ts_generator_get_state(Handle, (int)DeviceType.CPU, -1)).DetachFromDisposeScope();
        GC.KeepAlive(this);
        return state.ToArray<byte>();
    }

    public void set_state(byte[] state)
    {
        using var tensor = torch.tensor(state).DetachFromDisposeScope();
        NativeCheck.Status(Native.ts_generator_set_state(Handle, (int)DeviceType.CPU, -1, tensor.Handle));
        GC.KeepAlive(this);
    }

    public void Dispose()
    {
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Native.ts_generator_free(h);
    }
}
