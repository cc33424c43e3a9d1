namespace Cluster.Torch.Safetensors;

/// <summary>One tensor of a safetensors file, as its header describes it.</summary>
public sealed record SafetensorsEntry
{
    internal SafetensorsEntry(string name, DType dtype, long[] shape, long elementCount, long dataOffset, long byteLength)
    {
        Name = name;
        DType = dtype;
        Shape = Array.AsReadOnly(shape);
        ElementCount = elementCount;
        DataOffset = dataOffset;
        ByteLength = byteLength;
    }

    public string Name { get; }

    public DType DType { get; }

    /// <summary>Dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }

    public long ElementCount { get; }

    /// <summary>Where the tensor's bytes start, counted from the start of the file (not of the data region).</summary>
    public long DataOffset { get; }

    public long ByteLength { get; }

    // The compiler-generated equality would compare Shape by reference, making two reads of one file disagree.
    public bool Equals(SafetensorsEntry? other) =>
        other is not null
        && Name == other.Name
        && DType == other.DType
        && DataOffset == other.DataOffset
        && ByteLength == other.ByteLength
        && Shape.SequenceEqual(other.Shape);

    public override int GetHashCode() => HashCode.Combine(Name, DType, DataOffset, ByteLength);

    public override string ToString() =>
        $"{Name}: {SafetensorsFile.DTypeName(DType)} [{string.Join(", ", Shape)}] at {DataOffset}, {ByteLength} bytes";
}
