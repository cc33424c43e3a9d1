using Cluster.Torch.Interop;

namespace Cluster.Torch;

// Views, shape changes and indexing.
public partial class Tensor
{
    private unsafe Tensor WithDims(delegate*<IntPtr, long*, int, IntPtr> op, long[] values)
    {
        IntPtr result;
        fixed (long* p = values) result = op(Handle, p, values.Length);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    private static unsafe IntPtr ReshapeCall(IntPtr h, long* sizes, int n) => Native.ts_reshape(h, sizes, n, 0);
    private static unsafe IntPtr ViewCall(IntPtr h, long* sizes, int n) => Native.ts_reshape(h, sizes, n, 1);

    public unsafe Tensor reshape(params long[] shape) => WithDims(&ReshapeCall, shape);
    public unsafe Tensor view(params long[] shape) => WithDims(&ViewCall, shape);
    public unsafe Tensor permute(params long[] dims) => WithDims(&Native.ts_permute, dims);
    public unsafe Tensor expand(params long[] sizes) => WithDims(&Native.ts_expand, sizes);
    public unsafe Tensor repeat(params long[] repeats) => WithDims(&Native.ts_repeat, repeats);
    public unsafe Tensor flip(params long[] dims) => WithDims(&Native.ts_flip, dims);
    public Tensor view_as(Tensor other) => view(other.shape);
    public Tensor expand_as(Tensor other) => expand(other.shape);
    public Tensor reshape_as(Tensor other) => reshape(other.shape);

    public unsafe Tensor roll(long[] shifts, long[] dims)
    {
        if (shifts.Length != dims.Length) throw new ArgumentException($"roll got {shifts.Length} shifts for {dims.Length} dims");
        IntPtr result;
        fixed (long* s = shifts, d = dims) result = Native.ts_roll(Handle, s, d, dims.Length);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor transpose(long dim0, long dim1)
    {
        var result = Native.ts_transpose(Handle, dim0, dim1);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    /// <summary>Transpose of a 2-D tensor (PyTorch's <c>.T</c> for matrices).</summary>
    public Tensor t() => transpose(0, 1);

    /// <summary>Moves dimension <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public Tensor movedim(long source, long destination)
    {
        var rank = dim();
        var from = source < 0 ? source + rank : source;
        var to = destination < 0 ? destination + rank : destination;
        var order = Enumerable.Range(0, rank).Select(i => (long)i).Where(i => i != from).ToList();
        order.Insert((int)to, from);
        return permute([.. order]);
    }

    public Tensor squeeze()
    {
        var result = Native.ts_squeeze(Handle, 0, 0);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor squeeze(long dim)
    {
        var result = Native.ts_squeeze(Handle, 1, dim);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor unsqueeze(long dim)
    {
        var result = Native.ts_unsqueeze(Handle, dim);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor flatten(long start_dim = 0, long end_dim = -1)
    {
        var result = Native.ts_flatten(Handle, start_dim, end_dim);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor tril(long diagonal = 0) => Triangle(diagonal, upper: false);
    public Tensor triu(long diagonal = 0) => Triangle(diagonal, upper: true);

    private Tensor Triangle(long diagonal, bool upper)
    {
        var result = Native.ts_tri(Handle, diagonal, upper ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor narrow(long dim, long start, long length)
    {
        var result = Native.ts_narrow(Handle, dim, start, length);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor select(long dim, long index)
    {
        var result = Native.ts_select(Handle, dim, index);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor slice(long dim, long? start, long? end, long step = 1)
    {
        var result = Native.ts_slice(Handle, dim, start.HasValue ? 1 : 0, start ?? 0, end.HasValue ? 1 : 0, end ?? 0, step);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    /// <summary>Sliding windows of <paramref name="size"/> every <paramref name="step"/> along <paramref name="dim"/> (Tensor.unfold).</summary>
    public Tensor unfold(long dim, long size, long step)
    {
        var result = Native.ts_unfold(Handle, dim, size, step);
        GC.KeepAlive(this);
        return Wrap(result);
    }

    public Tensor index_select(long dim, Tensor index)
    {
        var result = Native.ts_index_select(Handle, dim, index.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        return Wrap(result);
    }

    public Tensor gather(long dim, Tensor index)
    {
        var result = Native.ts_gather(Handle, dim, index.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        return Wrap(result);
    }

    public Tensor scatter(long dim, Tensor index, Tensor source) => Scatter(dim, index, source, add: false);
    public Tensor scatter_add(long dim, Tensor index, Tensor source) => Scatter(dim, index, source, add: true);

    private Tensor Scatter(long dim, Tensor index, Tensor source, bool add)
    {
        var result = Native.ts_scatter(Handle, dim, index.Handle, source.Handle, add ? 1 : 0);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        GC.KeepAlive(source);
        return Wrap(result);
    }

    public Tensor[] split(long split_size, long dim = 0)
    {
        var length = size((int)dim);
        var count = split_size <= 0 ? 0 : (int)Math.Max(1, (length + split_size - 1) / split_size);
        return Split(split_size, null, dim, count);
    }

    public Tensor[] split(long[] sizes, long dim = 0) => Split(0, sizes, dim, sizes.Length);

    private unsafe Tensor[] Split(long splitSize, long[]? sizes, long dim, int capacity)
    {
        var handles = new IntPtr[Math.Max(capacity, 1)];
        int count;
        fixed (IntPtr* output = handles)
        fixed (long* s = sizes)
            count = NativeCheck.Status(Native.ts_split(Handle, splitSize, s, sizes?.Length ?? 0, dim, output, handles.Length));
        GC.KeepAlive(this);
        return handles.Take(count).Select(h => new Tensor(h)).ToArray();
    }

    public unsafe Tensor[] chunk(long chunks, long dim = 0)
    {
        var handles = new IntPtr[Math.Max(chunks, 1)];
        int count;
        fixed (IntPtr* output = handles)
            count = NativeCheck.Status(Native.ts_chunk(Handle, chunks, dim, output, handles.Length));
        GC.KeepAlive(this);
        return handles.Take(count).Select(h => new Tensor(h)).ToArray();
    }

    // ---- Python-style indexing -------------------------------------------------------------

    /// <summary>
    /// <c>x[0, 1..3, TensorIndex.Ellipsis, TensorIndex.None, idx]</c>. Integer, slice, ellipsis and
    /// new-axis entries give views; tensor entries do advanced (gathering) indexing afterwards.
    /// </summary>
    public Tensor this[params TensorIndex[] indices]
    {
        get => Index(indices);
        set => IndexPut(indices, value);
    }

    private Tensor Index(TensorIndex[] indices)
    {
        var (view, advanced) = BasicIndex(indices);
        if (advanced.Count == 0) return view;
        using (view) return AdvancedIndex(view, advanced);
    }

    private void IndexPut(TensorIndex[] indices, Tensor value)
    {
        var (view, advanced) = BasicIndex(indices);
        using (view)
        {
            if (advanced.Count == 0)
            {
                view.copy_(value);
                return;
            }
            var handles = AdvancedHandles(view, advanced);
            unsafe
            {
                fixed (IntPtr* p = handles)
                    NativeCheck.Status(Native.ts_index_put_(view.Handle, p, handles.Length, value.Handle, 0));
            }
            GC.KeepAlive(value);
            GC.KeepAlive(advanced);
        }
    }

    /// <summary>Applies the view-producing entries; returns where each tensor entry lands.</summary>
    private (Tensor view, List<(int dim, Tensor index)> advanced) BasicIndex(TensorIndex[] indices)
    {
        var rank = dim();
        var consuming = indices.Count(i => i.Kind is TensorIndex.IndexKind.Single or TensorIndex.IndexKind.Slice or TensorIndex.IndexKind.Tensor);
        if (indices.Count(i => i.Kind == TensorIndex.IndexKind.Ellipsis) > 1) throw new IndexException("an index can only have a single ellipsis");
        if (consuming > rank) throw new IndexException($"too many indices for tensor of dimension {rank}");
        var advanced = new List<(int, Tensor)>();
        var current = alias();
        var d = 0;
        try
        {
            foreach (var index in indices)
            {
                Tensor? next = null;
                switch (index.Kind)
                {
                    case TensorIndex.IndexKind.Single:
                        next = current.select(d, index.Index);
                        break;
                    case TensorIndex.IndexKind.Slice:
                        if (index.Start is null && index.Stop is null && index.Step == 1) { d++; break; }
                        next = current.slice(d, index.Start, index.Stop, index.Step);
                        d++;
                        break;
                    case TensorIndex.IndexKind.NewAxis:
                        next = current.unsqueeze(d);
                        d++;
                        break;
                    case TensorIndex.IndexKind.Ellipsis:
                        d += rank - consuming;
                        break;
                    case TensorIndex.IndexKind.Tensor:
                        advanced.Add((d, index.TensorValue!));
                        d++;
                        break;
                }
                if (next is not null)
                {
                    current.Dispose();
                    current = next;
                }
            }
            return (current, advanced);
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    private static IntPtr[] AdvancedHandles(Tensor view, List<(int dim, Tensor index)> advanced)
    {
        var handles = new IntPtr[advanced.Max(a => a.dim) + 1];
        foreach (var (d, index) in advanced) handles[d] = index.Handle;
        GC.KeepAlive(view);
        return handles;
    }

    private static unsafe Tensor AdvancedIndex(Tensor view, List<(int dim, Tensor index)> advanced)
    {
        var handles = AdvancedHandles(view, advanced);
        IntPtr result;
        fixed (IntPtr* p = handles) result = Native.ts_index(view.Handle, p, handles.Length);
        GC.KeepAlive(view);
        GC.KeepAlive(advanced);
        return Wrap(result);
    }
}
