using System.Runtime.InteropServices;
using Cluster.Torch.Interop;

namespace Cluster.Torch;

/// <summary>
/// PyTorch's <c>torch</c> namespace: tensor creation, random seeds, grad mode and threads.
/// <c>using static Cluster.Torch.torch;</c> gives the Python spelling (<c>zeros(2, 3)</c>, <c>nn.Linear</c>).
/// </summary>
public static partial class torch
{
    public static readonly DType float32 = DType.Float32, float16 = DType.Float16, bfloat16 = DType.BFloat16,
        float64 = DType.Float64, int64 = DType.Int64, int32 = DType.Int32, int16 = DType.Int16, uint8 = DType.UInt8,
        @bool = DType.Bool, complex64 = DType.Complex64;

    /// <summary>Starts a scope that disposes every tensor created on this thread until it ends.</summary>
    public static DisposeScope NewDisposeScope() => new();

    // ---- runtime -------------------------------------------------------------------------

    /// <summary>The libtorch version the shim was built against, e.g. (1, 13, 0).</summary>
    public static unsafe (int major, int minor, int patch) libtorch_version()
    {
        int major, minor, patch;
        NativeCheck.Status(Native.ts_version(&major, &minor, &patch));
        return (major, minor, patch);
    }

    /// <summary>libtorch's build configuration (<c>torch.__config__.show()</c>): compiler, BLAS, LAPACK, CPU capability.</summary>
    public static unsafe string build_config() => Text(Native.ts_build_config());

    /// <summary>libtorch's thread pools and their sizes (<c>torch.__config__.parallel_info()</c>).</summary>
    public static unsafe string parallel_info() => Text(Native.ts_parallel_info());

    private static unsafe string Text(byte* text) =>
        text is null ? throw NativeCheck.LastError() : Marshal.PtrToStringUTF8((IntPtr)text) ?? "";

    public static void set_num_threads(int threads) => NativeCheck.Status(Native.ts_set_num_threads(threads));

    public static int get_num_threads() => NativeCheck.Status(Native.ts_get_num_threads());

    /// <summary>Seeds the global generators of the CPU and of every CUDA device.</summary>
    public static void manual_seed(ulong seed) => NativeCheck.Status(Native.ts_manual_seed(seed));

    /// <summary>State of the device's global generator, for checkpoints (torch.get_rng_state).</summary>
    public static byte[] get_rng_state(Device? device = null)
    {
        var d = device ?? Device.CPU;
        using var state = Tensor.Wrap(Native.ts_generator_get_state(IntPtr.Zero, (int)d.Type, d.Index)).DetachFromDisposeScope();
        return state.ToArray<byte>();
    }

    public static void set_rng_state(byte[] state, Device? device = null)
    {
        var d = device ?? Device.CPU;
        using var packed = tensor(state).DetachFromDisposeScope();
        NativeCheck.Status(Native.ts_generator_set_state(IntPtr.Zero, (int)d.Type, d.Index, packed.Handle));
        GC.KeepAlive(packed);
    }

    public static bool is_grad_enabled() => NativeCheck.Status(Native.ts_is_grad_enabled()) != 0;

    /// <summary>Disables gradient recording on this thread until disposed: <c>using (torch.no_grad()) { ... }</c>.</summary>
    public static IDisposable no_grad() => new GradMode(enabled: false);

    /// <summary>Re-enables gradient recording inside a <see cref="no_grad"/> region.</summary>
    public static IDisposable enable_grad() => new GradMode(enabled: true);

    private sealed class GradMode : IDisposable
    {
        private readonly int previous;
        private bool restored;

        public GradMode(bool enabled) => previous = NativeCheck.Status(Native.ts_set_grad_enabled(enabled ? 1 : 0));

        public void Dispose()
        {
            if (restored) return;
            restored = true;
            NativeCheck.Status(Native.ts_set_grad_enabled(previous));
        }
    }

    // ---- creation ------------------------------------------------------------------------

    private static unsafe Tensor New(FillKind kind, long[] shape, Scalar value, DType? dtype, Device? device, Generator? generator, bool requiresGrad)
    {
        var d = device ?? Device.CPU;
        IntPtr result;
        fixed (long* p = shape)
            result = Native.ts_new((int)kind, p, shape.Length, value.Native, (int)(dtype ?? DType.Float32), (int)d.Type, d.Index,
                generator?.Handle ?? IntPtr.Zero, requiresGrad ? 1 : 0);
        GC.KeepAlive(generator);
        return Tensor.Wrap(result);
    }

    public static Tensor empty(params long[] shape) => New(FillKind.Empty, shape, 0, null, null, null, false);
    public static Tensor empty(long[] shape, DType? dtype = null, Device? device = null, bool requires_grad = false) => New(FillKind.Empty, shape, 0, dtype, device, null, requires_grad);
    public static Tensor zeros(params long[] shape) => New(FillKind.Zeros, shape, 0, null, null, null, false);
    public static Tensor zeros(long[] shape, DType? dtype = null, Device? device = null, bool requires_grad = false) => New(FillKind.Zeros, shape, 0, dtype, device, null, requires_grad);
    public static Tensor ones(params long[] shape) => New(FillKind.Ones, shape, 0, null, null, null, false);
    public static Tensor ones(long[] shape, DType? dtype = null, Device? device = null, bool requires_grad = false) => New(FillKind.Ones, shape, 0, dtype, device, null, requires_grad);
    public static Tensor full(long[] shape, Scalar value, DType? dtype = null, Device? device = null, bool requires_grad = false) => New(FillKind.Full, shape, value, dtype, device, null, requires_grad);
    public static Tensor randn(params long[] shape) => New(FillKind.Randn, shape, 0, null, null, null, false);
    public static Tensor randn(long[] shape, DType? dtype = null, Device? device = null, Generator? generator = null, bool requires_grad = false) => New(FillKind.Randn, shape, 0, dtype, device, generator, requires_grad);
    public static Tensor rand(params long[] shape) => New(FillKind.Rand, shape, 0, null, null, null, false);
    public static Tensor rand(long[] shape, DType? dtype = null, Device? device = null, Generator? generator = null, bool requires_grad = false) => New(FillKind.Rand, shape, 0, dtype, device, generator, requires_grad);

    private static Tensor Like(FillKind kind, Tensor like, Scalar value, DType? dtype, Device? device)
    {
        var result = Native.ts_new_like((int)kind, like.Handle, value.Native, dtype is null ? -1 : (int)dtype,
            device is null ? -1 : (int)device.Value.Type, device?.Index ?? -1);
        GC.KeepAlive(like);
        return Tensor.Wrap(result);
    }

    public static Tensor zeros_like(Tensor like, DType? dtype = null, Device? device = null) => Like(FillKind.Zeros, like, 0, dtype, device);
    public static Tensor ones_like(Tensor like, DType? dtype = null, Device? device = null) => Like(FillKind.Ones, like, 0, dtype, device);
    public static Tensor empty_like(Tensor like, DType? dtype = null, Device? device = null) => Like(FillKind.Empty, like, 0, dtype, device);
    public static Tensor full_like(Tensor like, Scalar value, DType? dtype = null, Device? device = null) => Like(FillKind.Full, like, value, dtype, device);
    public static Tensor randn_like(Tensor like, DType? dtype = null, Device? device = null) => Like(FillKind.Randn, like, 0, dtype, device);
    public static Tensor rand_like(Tensor like, DType? dtype = null, Device? device = null) => Like(FillKind.Rand, like, 0, dtype, device);

    /// <summary>Values from start to end (exclusive) by step; integer arguments give int64 as in PyTorch.</summary>
    public static Tensor arange(Scalar start, Scalar end, Scalar step, DType? dtype = null, Device? device = null, bool requires_grad = false)
    {
        var d = device ?? Device.CPU;
        return Tensor.Wrap(Native.ts_arange(start.Native, end.Native, step.Native, dtype is null ? -1 : (int)dtype, (int)d.Type, d.Index, requires_grad ? 1 : 0));
    }

    public static Tensor arange(Scalar end, DType? dtype = null, Device? device = null) => arange(0, end, 1, dtype, device);
    public static Tensor arange(Scalar start, Scalar end, DType? dtype = null, Device? device = null) => arange(start, end, 1, dtype, device);

    public static Tensor linspace(double start, double end, long steps, DType? dtype = null, Device? device = null)
    {
        var d = device ?? Device.CPU;
        return Tensor.Wrap(Native.ts_linspace(start, end, steps, (int)(dtype ?? DType.Float32), (int)d.Type, d.Index));
    }

    public static Tensor eye(long n, long? m = null, DType? dtype = null, Device? device = null)
    {
        var d = device ?? Device.CPU;
        return Tensor.Wrap(Native.ts_eye(n, m ?? n, (int)(dtype ?? DType.Float32), (int)d.Type, d.Index));
    }

    public static unsafe Tensor randint(long low, long high, long[] shape, DType? dtype = null, Device? device = null, Generator? generator = null)
    {
        var d = device ?? Device.CPU;
        IntPtr result;
        fixed (long* p = shape) result = Native.ts_randint(low, high, p, shape.Length, (int)(dtype ?? DType.Int64), (int)d.Type, d.Index, generator?.Handle ?? IntPtr.Zero);
        GC.KeepAlive(generator);
        return Tensor.Wrap(result);
    }

    public static Tensor randperm(long n, DType? dtype = null, Device? device = null, Generator? generator = null)
    {
        var d = device ?? Device.CPU;
        var result = Native.ts_randperm(n, (int)(dtype ?? DType.Int64), (int)d.Type, d.Index, generator?.Handle ?? IntPtr.Zero);
        GC.KeepAlive(generator);
        return Tensor.Wrap(result);
    }

    public static Tensor hann_window(long window_length, bool periodic = true, DType? dtype = null, Device? device = null) => Window(0, window_length, periodic, dtype, device);
    public static Tensor hamming_window(long window_length, bool periodic = true, DType? dtype = null, Device? device = null) => Window(1, window_length, periodic, dtype, device);

    private static Tensor Window(int kind, long length, bool periodic, DType? dtype, Device? device)
    {
        var d = device ?? Device.CPU;
        return Tensor.Wrap(Native.ts_window(kind, length, periodic ? 1 : 0, (int)(dtype ?? DType.Float32), (int)d.Type, d.Index));
    }

    /// <summary>
    /// A new tensor holding a copy of <paramref name="data"/> (one copy, straight into the tensor's
    /// storage). Shape defaults to 1-D. Use <see cref="from_array{T}"/> to share the array instead.
    /// </summary>
    public static unsafe Tensor tensor<T>(ReadOnlySpan<T> data, ReadOnlySpan<long> shape = default, Device? device = null, bool requires_grad = false)
        where T : unmanaged
    {
        var sizes = shape.IsEmpty && data.Length != 1 ? [data.Length] : shape.ToArray();
        if (shape.IsEmpty && data.Length == 1) sizes = [1];
        var d = device ?? Device.CPU;
        var dtype = DTypeInfo.Of<T>();
        IntPtr result;
        fixed (T* p = data)
        fixed (long* s = sizes)
            result = Native.ts_from_data(p, (long)data.Length * sizeof(T), s, sizes.Length, (int)dtype, (int)d.Type, d.Index);
        var t = Tensor.Wrap(result);
        if (requires_grad) t.requires_grad = true;
        return t;
    }

    public static Tensor tensor<T>(T[] data, params long[] shape) where T : unmanaged => tensor<T>(data.AsSpan(), shape.AsSpan());
    public static Tensor tensor<T>(T[] data, long[] shape, Device? device, bool requires_grad = false) where T : unmanaged => tensor<T>(data.AsSpan(), shape.AsSpan(), device, requires_grad);

    /// <summary>A 0-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor scalar_tensor(double value, DType? dtype = null, Device? device = null) => full([], value, dtype, device);

    /// <summary>
    /// A CPU tensor that shares <paramref name="data"/>'s memory, no copy (torch.from_numpy). The
    /// array stays pinned until libtorch releases the last view of it.
    /// </summary>
    public static unsafe Tensor from_array<T>(T[] data, params long[] shape) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        var sizes = shape.Length == 0 ? [data.Length] : shape;
        long count = 1;
        foreach (var s in sizes) count *= s;
        if (count != data.Length) throw new ArgumentException($"shape [{string.Join(", ", sizes)}] holds {count} elements but the array has {data.Length}");
        var pin = GCHandle.Alloc(data, GCHandleType.Pinned);
        try
        {
            IntPtr result;
            fixed (long* s = sizes)
                result = Native.ts_from_blob((void*)pin.AddrOfPinnedObject(), s, sizes.Length, (int)DTypeInfo.Of<T>(), &FreeGCHandle, (void*)GCHandle.ToIntPtr(pin));
            return Tensor.Wrap(result);
        }
        catch
        {
            pin.Free();
            throw;
        }
    }

    /// <summary>The shim's deleter for a GCHandle handed over as a callback context (a pinned array, a checkpointed function).</summary>
    [UnmanagedCallersOnly]
    private static void FreeGCHandle(IntPtr context) => GCHandle.FromIntPtr(context).Free();

    // ---- combining -----------------------------------------------------------------------

    private static unsafe Tensor Cat(Tensor[] tensors, long dim, bool stack)
    {
        var handles = new IntPtr[tensors.Length];
        for (var i = 0; i < tensors.Length; i++) handles[i] = tensors[i].Handle;
        IntPtr result;
        fixed (IntPtr* p = handles) result = Native.ts_cat(p, handles.Length, dim, stack ? 1 : 0);
        GC.KeepAlive(tensors);
        return Tensor.Wrap(result);
    }

    public static Tensor cat(Tensor[] tensors, long dim = 0) => Cat(tensors, dim, stack: false);
    public static Tensor stack(Tensor[] tensors, long dim = 0) => Cat(tensors, dim, stack: true);

    public static Tensor where(Tensor condition, Tensor a, Tensor b)
    {
        var result = Native.ts_where(condition.Handle, a.Handle, b.Handle);
        GC.KeepAlive(condition);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return Tensor.Wrap(result);
    }

    public static unsafe Tensor einsum(string equation, params Tensor[] operands)
    {
        var handles = new IntPtr[operands.Length];
        for (var i = 0; i < operands.Length; i++) handles[i] = operands[i].Handle;
        var text = System.Text.Encoding.UTF8.GetBytes(equation + "\0");
        IntPtr result;
        fixed (byte* e = text)
        fixed (IntPtr* p = handles)
            result = Native.ts_einsum(e, p, handles.Length);
        GC.KeepAlive(operands);
        return Tensor.Wrap(result);
    }

    public static Tensor matmul(Tensor a, Tensor b) => a.matmul(b);
    public static Tensor bmm(Tensor a, Tensor b) => a.bmm(b);
    public static Tensor complex(Tensor real, Tensor imag) => Tensor.Binary(BinaryOp.Complex, real, imag);
    public static Tensor polar(Tensor abs, Tensor angle) => Tensor.Binary(BinaryOp.Polar, abs, angle);
    public static Tensor view_as_real(Tensor t) => t.view_as_real();
    public static Tensor view_as_complex(Tensor t) => t.view_as_complex();

    /// <summary>Short-time Fourier transform with torch.stft's arguments (center padding included).</summary>
    public static Tensor stft(Tensor input, long n_fft, long? hop_length = null, long? win_length = null, Tensor? window = null,
        bool center = true, PaddingMode pad_mode = PaddingMode.Reflect, bool normalized = false, bool onesided = true, bool return_complex = true)
    {
        var result = Native.ts_stft(input.Handle, n_fft, hop_length ?? 0, win_length ?? 0, window?.Handle ?? IntPtr.Zero,
            center ? 1 : 0, (int)pad_mode, normalized ? 1 : 0, onesided ? 1 : 0, return_complex ? 1 : 0);
        GC.KeepAlive(input);
        GC.KeepAlive(window);
        return Tensor.Wrap(result);
    }

    /// <summary>Inverse STFT with torch.istft's arguments.</summary>
    public static Tensor istft(Tensor input, long n_fft, long? hop_length = null, long? win_length = null, Tensor? window = null,
        bool center = true, bool normalized = false, bool onesided = true, long? length = null, bool return_complex = false)
    {
        var result = Native.ts_istft(input.Handle, n_fft, hop_length ?? 0, win_length ?? 0, window?.Handle ?? IntPtr.Zero,
            center ? 1 : 0, normalized ? 1 : 0, onesided ? 1 : 0, length ?? -1, return_complex ? 1 : 0);
        GC.KeepAlive(input);
        GC.KeepAlive(window);
        return Tensor.Wrap(result);
    }
}
