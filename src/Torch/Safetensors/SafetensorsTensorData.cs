namespace Cluster.Torch.Safetensors;

/// <summary>
/// One tensor for <see cref="SafetensorsWriter"/>: its header facts plus where its bytes come from, either a buffer or
/// a callback that streams them, so tensors too large for a managed copy (or living in native memory) can be written.
/// </summary>
public sealed class SafetensorsTensorData
{
    private readonly ReadOnlyMemory<byte> _data;
    private readonly Action<Stream>? _writeData;

    /// <summary>A tensor whose bytes are <paramref name="data"/>, in row-major order.</summary>
    /// <exception cref="ArgumentException">The name or dtype is unusable, or the length does not fit the shape.</exception>
    public SafetensorsTensorData(string name, DType dtype, long[] shape, ReadOnlyMemory<byte> data)
        : this(name, dtype, shape, data.Length)
    {
        _data = data;
    }

    /// <summary>
    /// A tensor of <paramref name="byteLength"/> bytes that <paramref name="writeData"/> writes to the stream it is
    /// given, at the stream's current position. Writing any other number of bytes fails the whole file.
    /// </summary>
    /// <exception cref="ArgumentException">The name or dtype is unusable, or the length does not fit the shape.</exception>
    public SafetensorsTensorData(string name, DType dtype, long[] shape, long byteLength, Action<Stream> writeData)
        : this(name, dtype, shape, byteLength)
    {
        ArgumentNullException.ThrowIfNull(writeData);
        _writeData = writeData;
    }

    private SafetensorsTensorData(string name, DType dtype, long[] shape, long byteLength)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == SafetensorsFile.MetadataKey)
            throw new ArgumentException($"'{SafetensorsFile.MetadataKey}' is reserved for the header's metadata",
                nameof(name));
        string dtypeName = SafetensorsFile.DTypeName(dtype);
        if (Array.Exists(shape, dim => dim < 0))
            throw new ArgumentException($"tensor '{name}' has a negative dimension in [{string.Join(", ", shape)}]",
                nameof(shape));
        if (!SafetensorsFile.TryGetSize(dtype, shape, out _, out long expected))
            throw new ArgumentException($"tensor '{name}' has a shape whose size overflows 64 bits", nameof(shape));
        if (byteLength != expected)
            throw new ArgumentException(
                $"tensor '{name}' has {byteLength} bytes but shape [{string.Join(", ", shape)}] of {dtypeName} " +
                $"needs {expected}", nameof(byteLength));

        Name = name;
        DType = dtype;
        // Copied so that a caller reusing its array cannot change the header after validation.
        Shape = Array.AsReadOnly((long[])shape.Clone());
        ByteLength = byteLength;
    }

    public string Name { get; }

    public DType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    public long ByteLength { get; }

    internal void WriteData(Stream stream)
    {
        if (_writeData is null)
        {
            stream.Write(_data.Span);
            return;
        }

        long start = stream.Position;
        _writeData(stream);
        long written = stream.Position - start;
        // The header already promised ByteLength bytes; any other count would shift every later tensor.
        if (written != ByteLength)
            throw new InvalidOperationException(
                $"the data callback of tensor '{Name}' wrote {written} bytes instead of {ByteLength}");
    }
}
