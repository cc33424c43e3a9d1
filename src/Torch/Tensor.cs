using Cluster.Torch.Interop;

namespace Cluster.Torch;

/// <summary>
/// A libtorch tensor. Owns one native reference: dispose it (or let a <see cref="DisposeScope"/> do
/// it) to free memory deterministically; the finalizer is only a safety net. Methods are named as in
/// PyTorch so Python training code reads across line by line.
/// </summary>
public partial class Tensor : IDisposable
{
    private IntPtr handle;

    internal Tensor(IntPtr handle)
    {
        this.handle = handle;
        DisposeScope.Register(this);
    }

    ~Tensor() => Release();

    internal DisposeScope? OwnerScope { get; set; }

    /// <summary>The native handle; throws once the tensor has been disposed.</summary>
    internal IntPtr Handle
    {
        get
        {
            var h = handle;
            if (h == IntPtr.Zero) throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed; it cannot be used any more");
            return h;
        }
    }

    public bool IsDisposed => handle == IntPtr.Zero;

    /// <summary>Wraps a handle returned by the shim, raising the native error when it is NULL.</summary>
    internal static Tensor Wrap(IntPtr result) => new(NativeCheck.Handle(result));

    public void Dispose()
    {
        OwnerScope?.Forget(this);
        OwnerScope = null;
        Release();
        GC.SuppressFinalize(this);
    }

    private void Release()
    {
        var h = Interlocked.Exchange(ref handle, IntPtr.Zero);
        if (h != IntPtr.Zero) Native.ts_tensor_free(h);
    }

    /// <summary>Moves this tensor out of its dispose scope into the enclosing one.</summary>
    public Tensor MoveToOuterDisposeScope() => OwnerScope is null ? this : OwnerScope.MoveToOuter(this);

    /// <summary>Takes this tensor out of every dispose scope; the caller now owns it.</summary>
    public Tensor DetachFromDisposeScope()
    {
        OwnerScope?.Forget(this);
        OwnerScope = null;
        return this;
    }

    /// <summary>A second, independently disposable handle to the same tensor (same storage and autograd identity).</summary>
    public Tensor alias()
    {
        var result = Native.ts_tensor_alias(Handle);
        return Wrap(result);
    }

    // ---- metadata ------------------------------------------------------------------------

    public unsafe long[] shape
    {
        get
        {
            var h = Handle;
            var rank = (int)NativeCheck.Status(Native.ts_tensor_dim(h));
            var sizes = new long[rank];
            fixed (long* p = sizes) NativeCheck.Status(Native.ts_tensor_sizes(h, p, rank));
            GC.KeepAlive(this);
            return sizes;
        }
    }

    public long size(int dim)
    {
        var sizes = shape;
        var d = dim < 0 ? dim + sizes.Length : dim;
        if (d < 0 || d >= sizes.Length)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor of rank {sizes.Length} has no dimension {dim}");
        return sizes[d];
    }

    public unsafe long[] stride()
    {
        var h = Handle;
        var rank = (int)NativeCheck.Status(Native.ts_tensor_dim(h));
        var strides = new long[rank];
        fixed (long* p = strides) NativeCheck.Status(Native.ts_tensor_strides(h, p, rank));
        GC.KeepAlive(this);
        return strides;
    }

    public int dim()
    {
        var rank = (int)NativeCheck.Status(Native.ts_tensor_dim(Handle));
        GC.KeepAlive(this);
        return rank;
    }

    public long numel()
    {
        var count = NativeCheck.Status(Native.ts_tensor_numel(Handle));
        GC.KeepAlive(this);
        return count;
    }

    public DType dtype
    {
        get
        {
            var code = NativeCheck.Status(Native.ts_tensor_dtype(Handle));
            GC.KeepAlive(this);
            return (DType)code;
        }
    }

    public unsafe Device device
    {
        get
        {
            int type, index;
            NativeCheck.Status(Native.ts_tensor_device(Handle, &type, &index));
            GC.KeepAlive(this);
            return new Device((DeviceType)type, index);
        }
    }

    public bool is_contiguous()
    {
        var result = NativeCheck.Status(Native.ts_tensor_is_contiguous(Handle));
        GC.KeepAlive(this);
        return result != 0;
    }

    // ---- autograd ------------------------------------------------------------------------

    public bool requires_grad
    {
        get
        {
            var result = NativeCheck.Status(Native.ts_tensor_requires_grad(Handle));
            GC.KeepAlive(this);
            return result != 0;
        }
        set
        {
            NativeCheck.Status(Native.ts_tensor_set_requires_grad(Handle, value ? 1 : 0));
            GC.KeepAlive(this);
        }
    }

    /// <summary>PyTorch's <c>requires_grad_()</c>: sets the flag and returns this tensor.</summary>
    public Tensor requires_grad_(bool requiresGrad = true)
    {
        requires_grad = requiresGrad;
        return this;
    }

    public bool is_leaf
    {
        get
        {
            var result = NativeCheck.Status(Native.ts_tensor_is_leaf(Handle));
            GC.KeepAlive(this);
            return result != 0;
        }
    }

    /// <summary>
    /// The accumulated gradient as a new handle (dispose it or let the scope do it), or null when
    /// none exists. Setting it replaces the gradient; null clears it.
    /// </summary>
    public Tensor? grad
    {
        get
        {
            var result = NativeCheck.OptionalHandle(Native.ts_tensor_grad(Handle));
            GC.KeepAlive(this);
            return result == IntPtr.Zero ? null : new Tensor(result);
        }
        set
        {
            NativeCheck.Status(Native.ts_tensor_set_grad(Handle, value?.Handle ?? IntPtr.Zero));
            GC.KeepAlive(this);
            GC.KeepAlive(value);
        }
    }

    /// <summary>Computes gradients of this tensor w.r.t. graph leaves; <paramref name="gradient"/> is required for non-scalars.</summary>
    public void backward(Tensor? gradient = null, bool? retain_graph = null, bool create_graph = false)
    {
        var retain = retain_graph is null ? -1 : retain_graph.Value ? 1 : 0;
        NativeCheck.Status(Native.ts_tensor_backward(Handle, gradient?.Handle ?? IntPtr.Zero, retain, create_graph ? 1 : 0));
        GC.KeepAlive(this);
        GC.KeepAlive(gradient);
    }

    /// <summary>A tensor sharing storage but cut from the autograd graph.</summary>
    public Tensor detach()
    {
        var result = Native.ts_detach(Handle);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    /// <summary>Sets the gradient to zero in place (PyTorch's <c>grad.zero_()</c>) when one exists.</summary>
    public void zero_grad(bool set_to_none = true)
    {
        if (set_to_none)
        {
            grad = null;
            return;
        }
        using var g = grad;
        g?.zero_();
    }

    // ---- values --------------------------------------------------------------------------

    /// <summary>The single element as <typeparamref name="T"/> (PyTorch's <c>item()</c>).</summary>
    public unsafe T item<T>() where T : unmanaged
    {
        var h = Handle;
        if (typeof(T) == typeof(long) || typeof(T) == typeof(int) || typeof(T) == typeof(short) || typeof(T) == typeof(byte) || typeof(T) == typeof(bool))
        {
            long integer;
            NativeCheck.Status(Native.ts_tensor_item_int64(h, &integer));
            GC.KeepAlive(this);
            if (typeof(T) == typeof(long)) return (T)(object)integer;
            if (typeof(T) == typeof(int)) return (T)(object)checked((int)integer);
            if (typeof(T) == typeof(short)) return (T)(object)checked((short)integer);
            if (typeof(T) == typeof(byte)) return (T)(object)checked((byte)integer);
            return (T)(object)(integer != 0);
        }
        double real;
        NativeCheck.Status(Native.ts_tensor_item(h, &real));
        GC.KeepAlive(this);
        if (typeof(T) == typeof(double)) return (T)(object)real;
        if (typeof(T) == typeof(float)) return (T)(object)(float)real;
        if (typeof(T) == typeof(Half)) return (T)(object)(Half)real;
        throw new NotSupportedException($"item<{typeof(T).Name}> is not supported");
    }

    /// <summary>Copies the elements (from any device or layout) into a new array, row-major.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        var type = dtype;
        if (DTypeInfo.Of<T>() != type && !(typeof(T) == typeof(byte) && type == DType.Bool))
            throw new InvalidCastException($"tensor holds {type} elements, not {typeof(T).Name}; convert with .to(DType) first");
        var result = new T[numel()];
        fixed (T* p = result)
            NativeCheck.Status(Native.ts_copy_to_host(Handle, p, (long)result.Length * sizeof(T)));
        GC.KeepAlive(this);
        return result;
    }

    /// <summary>Copies the raw little-endian bytes of the elements into <paramref name="destination"/>.</summary>
    public unsafe void CopyTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
            NativeCheck.Status(Native.ts_copy_to_host(Handle, p, destination.Length));
        GC.KeepAlive(this);
    }

    /// <summary>libtorch's own printout of the tensor.</summary>
    public unsafe string ToString(bool withValues)
    {
        if (!withValues) return ToString();
        var h = Handle;
        var length = NativeCheck.Status(Native.ts_tensor_to_string(h, null, 0));
        var buffer = new byte[length];
        fixed (byte* p = buffer) NativeCheck.Status(Native.ts_tensor_to_string(h, p, length));
        GC.KeepAlive(this);
        return System.Text.Encoding.UTF8.GetString(buffer);
    }

    public override string ToString() =>
        IsDisposed ? "tensor(disposed)" : $"tensor(shape=[{string.Join(", ", shape)}], dtype={dtype}, device={device})";
}
