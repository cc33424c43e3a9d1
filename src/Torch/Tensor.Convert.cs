using Cluster.Torch.Interop;

namespace Cluster.Torch;

// dtype and device conversion, copies.
public partial class Tensor
{
    private Tensor To(DType? type, Device? target, bool nonBlocking, bool copy)
    {
        var result = Native.ts_to(Handle, type is null ? -1 : (int)type, target is null ? -1 : (int)target.Value.Type,
            target?.Index ?? -1, nonBlocking ? 1 : 0, copy ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    /// <summary>A tensor of <paramref name="type"/> (a new handle, sharing storage when nothing changes).</summary>
    public Tensor to(DType type, bool copy = false) => To(type, null, false, copy);
    public Tensor to(Device target, bool non_blocking = false, bool copy = false) => To(null, target, non_blocking, copy);
    public Tensor to(DType type, Device target, bool non_blocking = false, bool copy = false) => To(type, target, non_blocking, copy);
    public Tensor to(string target) => To(null, Device.Parse(target), false, false);
    public Tensor cpu() => To(null, Device.CPU, false, false);
    public Tensor cuda(int index = 0) => To(null, Device.CUDA(index), false, false);
    public Tensor @float() => To(DType.Float32, null, false, false);
    public Tensor @double() => To(DType.Float64, null, false, false);
    public Tensor half() => To(DType.Float16, null, false, false);
    public Tensor bfloat16() => To(DType.BFloat16, null, false, false);
    public Tensor @long() => To(DType.Int64, null, false, false);
    public Tensor @int() => To(DType.Int32, null, false, false);
    public Tensor @bool() => To(DType.Bool, null, false, false);

    public Tensor contiguous()
    {
        var result = Native.ts_contiguous(Handle);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor clone()
    {
        var result = Native.ts_clone(Handle);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    /// <summary>Copies <paramref name="source"/> into this tensor in place (broadcasting, converting dtype/device).</summary>
    public Tensor copy_(Tensor source, bool non_blocking = false)
    {
        NativeCheck.Status(Native.ts_copy_(Handle, source.Handle, non_blocking ? 1 : 0));
        GC.KeepAlive(this);
        GC.KeepAlive(source);
        return this;
    }

    public Tensor view_as_real() => Unary(UnaryOp.ViewAsReal, this);
    public Tensor view_as_complex() => Unary(UnaryOp.ViewAsComplex, this);
}
