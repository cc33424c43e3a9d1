namespace Cluster.Torch;

/// <summary>
/// One entry of an index expression, as in Python's <c>x[0, 1:3, ..., None, idx]</c>:
/// an integer, a slice (C# ranges convert), an ellipsis, a new axis, or an index tensor.
/// </summary>
public readonly struct TensorIndex
{
    internal enum IndexKind { Single, Slice, Ellipsis, NewAxis, Tensor }

    private TensorIndex(IndexKind kind, long index = 0, long? start = null, long? stop = null, long step = 1, Tensor? tensor = null)
    {
        Kind = kind;
        Index = index;
        Start = start;
        Stop = stop;
        Step = step;
        TensorValue = tensor;
    }

    internal IndexKind Kind { get; }
    internal long Index { get; }
    internal long? Start { get; }
    internal long? Stop { get; }
    internal long Step { get; }
    internal Tensor? TensorValue { get; }

    public static readonly TensorIndex Ellipsis = new(IndexKind.Ellipsis);
    public static readonly TensorIndex None = new(IndexKind.NewAxis);
    public static readonly TensorIndex Colon = new(IndexKind.Slice);

    public static TensorIndex Single(long index) => new(IndexKind.Single, index);

    public static TensorIndex Slice(long? start = null, long? stop = null, long step = 1)
    {
        if (step <= 0) throw new ArgumentOutOfRangeException(nameof(step), step, "slice step must be positive");
        return new(IndexKind.Slice, start: start, stop: stop, step: step);
    }

    public static TensorIndex Tensor(Tensor index) => new(IndexKind.Tensor, tensor: index ?? throw new ArgumentNullException(nameof(index)));

    public static implicit operator TensorIndex(long index) => Single(index);
    public static implicit operator TensorIndex(int index) => Single(index);
    public static implicit operator TensorIndex(Tensor index) => Tensor(index);

    /// <summary>C# ranges: <c>1..3</c>, <c>..^1</c> (from-end bounds become negative, as in Python).</summary>
    public static implicit operator TensorIndex(Range range)
    {
        long? start = range.Start.IsFromEnd ? (range.Start.Value == 0 ? null : -range.Start.Value) : range.Start.Value;
        long? stop = range.End.IsFromEnd ? (range.End.Value == 0 ? null : -range.End.Value) : range.End.Value;
        if (start == 0) start = null;
        return new(IndexKind.Slice, start: start, stop: stop, step: 1);
    }

    /// <summary>A from-end integer index: <c>^1</c> is Python's <c>-1</c>.</summary>
    public static implicit operator TensorIndex(Index index) => Single(index.IsFromEnd ? -index.Value : index.Value);
}
