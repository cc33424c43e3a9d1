using Cluster.Torch.Interop;

namespace Cluster.Torch;

// Elementwise math, comparisons, reductions and products.
public partial class Tensor
{
    internal static Tensor Unary(UnaryOp op, Tensor a)
    {
        var result = Native.ts_unary((int)op, a.Handle);
        GC.KeepAlive(a);
        return Wrap(result);
    }

    private Tensor UnaryInPlace(UnaryOp op)
    {
        NativeCheck.Status(Native.ts_unary_((int)op, Handle));
        GC.KeepAlive(this);
        return this;
    }

    internal static Tensor Binary(BinaryOp op, Tensor a, Tensor b)
    {
        var result = Native.ts_binary((int)op, a.Handle, b.Handle);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return Wrap(result);
    }

    internal static Tensor Binary(BinaryOp op, Tensor a, Scalar b)
    {
        var result = Native.ts_binary_scalar((int)op, a.Handle, b.Native);
        GC.KeepAlive(a);
        return Wrap(result);
    }

    private Tensor BinaryInPlace(BinaryOp op, Tensor other)
    {
        NativeCheck.Status(Native.ts_binary_((int)op, Handle, other.Handle));
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return this;
    }

    private Tensor BinaryInPlace(BinaryOp op, Scalar other)
    {
        NativeCheck.Status(Native.ts_binary_scalar_((int)op, Handle, other.Native));
        GC.KeepAlive(this);
        return this;
    }

    // ---- arithmetic ----------------------------------------------------------------------

    public Tensor add(Tensor other) => Binary(BinaryOp.Add, this, other);
    public Tensor add(Scalar other) => Binary(BinaryOp.Add, this, other);

    /// <summary>this + alpha * other.</summary>
    public Tensor add(Tensor other, Scalar alpha)
    {
        var result = Native.ts_add_scaled(Handle, other.Handle, alpha.Native, 0);
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return Wrap(result);
    }

    public Tensor sub(Tensor other) => Binary(BinaryOp.Sub, this, other);
    public Tensor sub(Scalar other) => Binary(BinaryOp.Sub, this, other);
    public Tensor mul(Tensor other) => Binary(BinaryOp.Mul, this, other);
    public Tensor mul(Scalar other) => Binary(BinaryOp.Mul, this, other);
    public Tensor div(Tensor other) => Binary(BinaryOp.Div, this, other);
    public Tensor div(Scalar other) => Binary(BinaryOp.Div, this, other);
    public Tensor pow(Tensor exponent) => Binary(BinaryOp.Pow, this, exponent);
    public Tensor pow(Scalar exponent) => Binary(BinaryOp.Pow, this, exponent);
    public Tensor remainder(Tensor other) => Binary(BinaryOp.Remainder, this, other);
    public Tensor remainder(Scalar other) => Binary(BinaryOp.Remainder, this, other);
    public Tensor floor_divide(Tensor other) => Binary(BinaryOp.FloorDivide, this, other);
    public Tensor floor_divide(Scalar other) => Binary(BinaryOp.FloorDivide, this, other);
    public Tensor maximum(Tensor other) => Binary(BinaryOp.Maximum, this, other);
    public Tensor minimum(Tensor other) => Binary(BinaryOp.Minimum, this, other);
    public Tensor atan2(Tensor other) => Binary(BinaryOp.Atan2, this, other);

    public Tensor add_(Tensor other) => BinaryInPlace(BinaryOp.Add, other);
    public Tensor add_(Scalar other) => BinaryInPlace(BinaryOp.Add, other);

    /// <summary>In place: this += alpha * other.</summary>
    public Tensor add_(Tensor other, Scalar alpha)
    {
        var result = Native.ts_add_scaled(Handle, other.Handle, alpha.Native, 1);
        GC.KeepAlive(other);
        Native.ts_tensor_free(NativeCheck.Handle(result));
        GC.KeepAlive(this);
        return this;
    }

    public Tensor sub_(Tensor other) => BinaryInPlace(BinaryOp.Sub, other);
    public Tensor sub_(Scalar other) => BinaryInPlace(BinaryOp.Sub, other);
    public Tensor mul_(Tensor other) => BinaryInPlace(BinaryOp.Mul, other);
    public Tensor mul_(Scalar other) => BinaryInPlace(BinaryOp.Mul, other);
    public Tensor div_(Tensor other) => BinaryInPlace(BinaryOp.Div, other);
    public Tensor div_(Scalar other) => BinaryInPlace(BinaryOp.Div, other);
    public Tensor pow_(Scalar exponent) => BinaryInPlace(BinaryOp.Pow, exponent);

    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);
    public static Tensor operator +(Tensor a, Scalar b) => a.add(b);
    public static Tensor operator +(Scalar a, Tensor b) => b.add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);
    public static Tensor operator -(Tensor a, Scalar b) => a.sub(b);
    public static Tensor operator -(Scalar a, Tensor b) => Binary(BinaryOp.Rsub, b, a);
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);
    public static Tensor operator *(Tensor a, Scalar b) => a.mul(b);
    public static Tensor operator *(Scalar a, Tensor b) => b.mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);
    public static Tensor operator /(Tensor a, Scalar b) => a.div(b);
    public static Tensor operator /(Scalar a, Tensor b)
    {
        // Out of place: reciprocal's backward reads its own output, which an in-place mul_ would overwrite.
        using var inverse = b.reciprocal();
        return inverse.mul(a);
    }

    public static Tensor operator %(Tensor a, Scalar b) => a.remainder(b);
    public static Tensor operator -(Tensor a) => a.neg();

    // ---- unary ---------------------------------------------------------------------------

    public Tensor neg() => Unary(UnaryOp.Neg, this);
    public Tensor abs() => Unary(UnaryOp.Abs, this);
    public Tensor exp() => Unary(UnaryOp.Exp, this);
    public Tensor log() => Unary(UnaryOp.Log, this);
    public Tensor log10() => Unary(UnaryOp.Log10, this);
    public Tensor log2() => Unary(UnaryOp.Log2, this);
    public Tensor log1p() => Unary(UnaryOp.Log1p, this);
    public Tensor expm1() => Unary(UnaryOp.Expm1, this);
    public Tensor sqrt() => Unary(UnaryOp.Sqrt, this);
    public Tensor rsqrt() => Unary(UnaryOp.Rsqrt, this);
    public Tensor sin() => Unary(UnaryOp.Sin, this);
    public Tensor cos() => Unary(UnaryOp.Cos, this);
    public Tensor tan() => Unary(UnaryOp.Tan, this);
    public Tensor tanh() => Unary(UnaryOp.Tanh, this);
    public Tensor sigmoid() => Unary(UnaryOp.Sigmoid, this);
    public Tensor relu() => Unary(UnaryOp.Relu, this);
    public Tensor floor() => Unary(UnaryOp.Floor, this);
    public Tensor ceil() => Unary(UnaryOp.Ceil, this);
    public Tensor round() => Unary(UnaryOp.Round, this);
    public Tensor trunc() => Unary(UnaryOp.Trunc, this);
    public Tensor sign() => Unary(UnaryOp.Sign, this);
    public Tensor reciprocal() => Unary(UnaryOp.Reciprocal, this);
    public Tensor square() => Unary(UnaryOp.Square, this);
    public Tensor erf() => Unary(UnaryOp.Erf, this);
    public Tensor atan() => Unary(UnaryOp.Atan, this);
    public Tensor logical_not() => Unary(UnaryOp.LogicalNot, this);
    public Tensor isnan() => Unary(UnaryOp.IsNan, this);
    public Tensor isinf() => Unary(UnaryOp.IsInf, this);
    public Tensor isfinite() => Unary(UnaryOp.IsFinite, this);
    public Tensor nonzero() => Unary(UnaryOp.Nonzero, this);
    public Tensor real() => Unary(UnaryOp.Real, this);
    public Tensor imag() => Unary(UnaryOp.Imag, this);
    public Tensor angle() => Unary(UnaryOp.Angle, this);
    public Tensor conj() => Unary(UnaryOp.Conj, this);

    public Tensor neg_() => UnaryInPlace(UnaryOp.Neg);
    public Tensor abs_() => UnaryInPlace(UnaryOp.Abs);
    public Tensor exp_() => UnaryInPlace(UnaryOp.Exp);
    public Tensor log_() => UnaryInPlace(UnaryOp.Log);
    public Tensor sqrt_() => UnaryInPlace(UnaryOp.Sqrt);
    public Tensor tanh_() => UnaryInPlace(UnaryOp.Tanh);
    public Tensor sigmoid_() => UnaryInPlace(UnaryOp.Sigmoid);
    public Tensor relu_() => UnaryInPlace(UnaryOp.Relu);
    public Tensor reciprocal_() => UnaryInPlace(UnaryOp.Reciprocal);
    public Tensor zero_() => UnaryInPlace(UnaryOp.Zero);

    public Tensor fill_(Scalar value)
    {
        NativeCheck.Status(Native.ts_fill_(Handle, value.Native));
        GC.KeepAlive(this);
        return this;
    }

    public Tensor uniform_(double from = 0, double to = 1, Generator? generator = null)
    {
        NativeCheck.Status(Native.ts_uniform_(Handle, from, to, generator?.Handle ?? IntPtr.Zero));
        GC.KeepAlive(this);
        GC.KeepAlive(generator);
        return this;
    }

    public Tensor normal_(double mean = 0, double std = 1, Generator? generator = null)
    {
        NativeCheck.Status(Native.ts_normal_(Handle, mean, std, generator?.Handle ?? IntPtr.Zero));
        GC.KeepAlive(this);
        GC.KeepAlive(generator);
        return this;
    }

    public Tensor clamp(double? min = null, double? max = null) => Clamp(min, max, inPlace: false);
    public Tensor clamp_(double? min = null, double? max = null) => Clamp(min, max, inPlace: true);
    public Tensor clamp_min(double min) => Clamp(min, null, inPlace: false);
    public Tensor clamp_max(double max) => Clamp(null, max, inPlace: false);

    private Tensor Clamp(double? min, double? max, bool inPlace)
    {
        var result = NativeCheck.Handle(Native.ts_clamp(Handle, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0, inPlace ? 1 : 0));
        GC.KeepAlive(this);
        if (!inPlace) return new Tensor(result);
        Native.ts_tensor_free(result);
        return this;
    }

    public Tensor masked_fill(Tensor mask, Scalar value) => MaskedFill(mask, value, inPlace: false);
    public Tensor masked_fill_(Tensor mask, Scalar value) => MaskedFill(mask, value, inPlace: true);

    private Tensor MaskedFill(Tensor mask, Scalar value, bool inPlace)
    {
        var result = NativeCheck.Handle(Native.ts_masked_fill(Handle, mask.Handle, value.Native, inPlace ? 1 : 0));
        GC.KeepAlive(this);
        GC.KeepAlive(mask);
        if (!inPlace) return new Tensor(result);
        Native.ts_tensor_free(result);
        return this;
    }

    public Tensor masked_select(Tensor mask) => Binary(BinaryOp.MaskedSelect, this, mask);

    // ---- comparisons (bool tensors) --------------------------------------------------------

    public Tensor eq(Tensor other) => Binary(BinaryOp.Eq, this, other);
    public Tensor eq(Scalar other) => Binary(BinaryOp.Eq, this, other);
    public Tensor ne(Tensor other) => Binary(BinaryOp.Ne, this, other);
    public Tensor ne(Scalar other) => Binary(BinaryOp.Ne, this, other);
    public Tensor lt(Tensor other) => Binary(BinaryOp.Lt, this, other);
    public Tensor lt(Scalar other) => Binary(BinaryOp.Lt, this, other);
    public Tensor le(Tensor other) => Binary(BinaryOp.Le, this, other);
    public Tensor le(Scalar other) => Binary(BinaryOp.Le, this, other);
    public Tensor gt(Tensor other) => Binary(BinaryOp.Gt, this, other);
    public Tensor gt(Scalar other) => Binary(BinaryOp.Gt, this, other);
    public Tensor ge(Tensor other) => Binary(BinaryOp.Ge, this, other);
    public Tensor ge(Scalar other) => Binary(BinaryOp.Ge, this, other);
    public Tensor logical_and(Tensor other) => Binary(BinaryOp.LogicalAnd, this, other);
    public Tensor logical_or(Tensor other) => Binary(BinaryOp.LogicalOr, this, other);

    /// <summary>True when every element is within atol + rtol * |other|.</summary>
    public bool allclose(Tensor other, double rtol = 1e-5, double atol = 1e-8, bool equal_nan = false)
    {
        var result = NativeCheck.Status(Native.ts_allclose(Handle, other.Handle, rtol, atol, equal_nan ? 1 : 0));
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return result != 0;
    }

    // ---- reductions ----------------------------------------------------------------------

    private unsafe Tensor Reduce(ReduceOp op, long[]? dims, bool keepdim, DType? accumulate)
    {
        dims ??= [];
        IntPtr result;
        fixed (long* p = dims)
            result = Native.ts_reduce((int)op, Handle, p, dims.Length, keepdim ? 1 : 0, accumulate is null ? -1 : (int)accumulate);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor sum(DType? dtype = null) => Reduce(ReduceOp.Sum, null, false, dtype);
    public Tensor sum(long dim, bool keepdim = false, DType? dtype = null) => Reduce(ReduceOp.Sum, [dim], keepdim, dtype);
    public Tensor sum(long[] dims, bool keepdim = false, DType? dtype = null) => Reduce(ReduceOp.Sum, dims, keepdim, dtype);
    public Tensor mean(DType? dtype = null) => Reduce(ReduceOp.Mean, null, false, dtype);
    public Tensor mean(long dim, bool keepdim = false, DType? dtype = null) => Reduce(ReduceOp.Mean, [dim], keepdim, dtype);
    public Tensor mean(long[] dims, bool keepdim = false, DType? dtype = null) => Reduce(ReduceOp.Mean, dims, keepdim, dtype);
    public Tensor prod(DType? dtype = null) => Reduce(ReduceOp.Prod, null, false, dtype);
    public Tensor prod(long dim, bool keepdim = false, DType? dtype = null) => Reduce(ReduceOp.Prod, [dim], keepdim, dtype);
    public Tensor amax(params long[] dims) => Reduce(ReduceOp.Amax, dims, false, null);
    public Tensor amax(long[] dims, bool keepdim) => Reduce(ReduceOp.Amax, dims, keepdim, null);
    public Tensor amin(params long[] dims) => Reduce(ReduceOp.Amin, dims, false, null);
    public Tensor amin(long[] dims, bool keepdim) => Reduce(ReduceOp.Amin, dims, keepdim, null);
    public Tensor logsumexp(long dim, bool keepdim = false) => Reduce(ReduceOp.LogSumExp, [dim], keepdim, null);
    public Tensor all() => Reduce(ReduceOp.All, null, false, null);
    public Tensor all(long dim, bool keepdim = false) => Reduce(ReduceOp.All, [dim], keepdim, null);
    public Tensor any() => Reduce(ReduceOp.Any, null, false, null);
    public Tensor any(long dim, bool keepdim = false) => Reduce(ReduceOp.Any, [dim], keepdim, null);

    /// <summary>The largest element (all dimensions reduced).</summary>
    public Tensor max() => Reduce(ReduceOp.Amax, null, false, null);

    /// <summary>The smallest element (all dimensions reduced).</summary>
    public Tensor min() => Reduce(ReduceOp.Amin, null, false, null);

    /// <summary>Largest values and their indices along <paramref name="dim"/>.</summary>
    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false) => MaxMin(isMin: false, dim, keepdim);

    /// <summary>Smallest values and their indices along <paramref name="dim"/>.</summary>
    public (Tensor values, Tensor indices) min(long dim, bool keepdim = false) => MaxMin(isMin: true, dim, keepdim);

    private unsafe (Tensor, Tensor) MaxMin(bool isMin, long dim, bool keepdim)
    {
        IntPtr values, indices;
        NativeCheck.Status(Native.ts_max_min_dim(isMin ? 1 : 0, Handle, dim, keepdim ? 1 : 0, &values, &indices));
        GC.KeepAlive(this);
        return (new Tensor(values), new Tensor(indices));
    }

    private unsafe Tensor VarStd(bool isStd, long[]? dims, bool unbiased, bool keepdim)
    {
        dims ??= [];
        IntPtr result;
        fixed (long* p = dims) result = Native.ts_var_std(isStd ? 1 : 0, Handle, p, dims.Length, unbiased ? 1 : 0, keepdim ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor var(bool unbiased = true) => VarStd(false, null, unbiased, false);
    public Tensor var(long dim, bool unbiased = true, bool keepdim = false) => VarStd(false, [dim], unbiased, keepdim);
    public Tensor var(long[] dims, bool unbiased = true, bool keepdim = false) => VarStd(false, dims, unbiased, keepdim);
    public Tensor std(bool unbiased = true) => VarStd(true, null, unbiased, false);
    public Tensor std(long dim, bool unbiased = true, bool keepdim = false) => VarStd(true, [dim], unbiased, keepdim);
    public Tensor std(long[] dims, bool unbiased = true, bool keepdim = false) => VarStd(true, dims, unbiased, keepdim);

    /// <summary>The p-norm over <paramref name="dims"/> (all dimensions when empty).</summary>
    public unsafe Tensor norm(double p = 2, long[]? dims = null, bool keepdim = false)
    {
        dims ??= [];
        IntPtr result;
        fixed (long* d = dims) result = Native.ts_norm(Handle, p, d, dims.Length, keepdim ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor argmax() => ArgMaxMin(false, null, false);
    public Tensor argmax(long dim, bool keepdim = false) => ArgMaxMin(false, dim, keepdim);
    public Tensor argmin() => ArgMaxMin(true, null, false);
    public Tensor argmin(long dim, bool keepdim = false) => ArgMaxMin(true, dim, keepdim);

    private Tensor ArgMaxMin(bool isMin, long? dim, bool keepdim)
    {
        var result = Native.ts_arg_max_min(isMin ? 1 : 0, Handle, dim.HasValue ? 1 : 0, dim ?? 0, keepdim ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public unsafe (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true, bool sorted = true)
    {
        IntPtr values, indices;
        NativeCheck.Status(Native.ts_topk(Handle, k, dim, largest ? 1 : 0, sorted ? 1 : 0, &values, &indices));
        GC.KeepAlive(this);
        return (new Tensor(values), new Tensor(indices));
    }

    public unsafe (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false, bool stable = false)
    {
        IntPtr values, indices;
        NativeCheck.Status(Native.ts_sort(Handle, dim, descending ? 1 : 0, stable ? 1 : 0, &values, &indices));
        GC.KeepAlive(this);
        return (new Tensor(values), new Tensor(indices));
    }

    public Tensor cumsum(long dim, DType? dtype = null)
    {
        var result = Native.ts_cumsum(Handle, dim, dtype is null ? -1 : (int)dtype);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor softmax(long dim, DType? dtype = null) => Softmax(dim, dtype, log: false);
    public Tensor log_softmax(long dim, DType? dtype = null) => Softmax(dim, dtype, log: true);

    private Tensor Softmax(long dim, DType? dtype, bool log)
    {
        var result = Native.ts_softmax(Handle, dim, dtype is null ? -1 : (int)dtype, log ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    // ---- products ------------------------------------------------------------------------

    public Tensor matmul(Tensor other) => Binary(BinaryOp.Matmul, this, other);
    public Tensor mm(Tensor other) => Binary(BinaryOp.Mm, this, other);
    public Tensor bmm(Tensor other) => Binary(BinaryOp.Bmm, this, other);
    public Tensor outer(Tensor other) => Binary(BinaryOp.Outer, this, other);
}
