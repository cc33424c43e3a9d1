using System.Runtime.InteropServices;
using Cluster.Torch;

namespace Cluster.Shared.Wire;

/// <summary>
/// A named tensor as it travels between nodes: dtype, shape and the raw little-endian element bytes, so a batch
/// crosses the wire without a per-element encoding. Features may travel as fp16 or bf16 to halve the bytes; the
/// trainer gets them back as a tensor of that dtype and casts where it wants.
/// </summary>
public sealed class WireTensor
{
    /// <summary>The encodings a payload may use; anything else in a frame is refused.</summary>
    public static IReadOnlySet<DType> SupportedDTypes { get; } = new HashSet<DType> { DType.Float32, DType.Float16, DType.BFloat16, DType.Int64 };

    private WireTensor(string name, DType dtype, long[] shape, byte[] data)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        Data = data;
    }

    public string Name { get; }

    public DType DType { get; }

    public IReadOnlyList<long> Shape { get; }

    /// <summary>Row-major element bytes, little-endian.</summary>
    public byte[] Data { get; }

    public long ElementCount => Shape.Aggregate(1L, (count, size) => count * size);

    /// <summary>Encodes floats as float32, float16 or bfloat16 (rounded to nearest even).</summary>
    public static WireTensor FromFloats(string name, ReadOnlySpan<float> values, long[] shape, DType encoding = DType.Float32)
    {
        CheckShape(name, shape, values.Length);
        byte[] data = encoding switch
        {
            DType.Float32 => MemoryMarshal.AsBytes(values).ToArray(),
            DType.Float16 => Convert(values, v => (Half)v),
            DType.BFloat16 => Convert(values, v => (BFloat16)v),
            _ => throw new ArgumentException($"tensor '{name}': floats travel as Float32, Float16 or BFloat16, not {encoding}", nameof(encoding)),
        };
        return new WireTensor(name, encoding, (long[])shape.Clone(), data);
    }

    public static WireTensor FromInt64(string name, ReadOnlySpan<long> values, long[] shape)
    {
        CheckShape(name, shape, values.Length);
        return new WireTensor(name, DType.Int64, (long[])shape.Clone(), MemoryMarshal.AsBytes(values).ToArray());
    }

    /// <summary>A tensor received from a peer, checked before anything trusts it.</summary>
    /// <exception cref="InvalidDataException">The dtype is not a wire encoding, a dimension is negative, or the byte
    /// count does not match the shape.</exception>
    public static WireTensor Parse(string name, DType dtype, long[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        if (!SupportedDTypes.Contains(dtype))
            throw new InvalidDataException($"tensor '{name}': dtype {dtype} is not one the wire carries ({string.Join(", ", SupportedDTypes)})");
        if (shape.Any(size => size < 0))
            throw new InvalidDataException($"tensor '{name}': shape [{string.Join(", ", shape)}] has a negative dimension");
        long elements = 1;
        foreach (long size in shape)
        {
            elements *= size;
            if (elements > data.Length) break; // also stops an overflowing product
        }
        long expected = elements * ElementSize(dtype);
        if (expected != data.Length)
            throw new InvalidDataException($"tensor '{name}': shape [{string.Join(", ", shape)}] of {dtype} needs {expected} bytes but {data.Length} came");
        return new WireTensor(name, dtype, (long[])shape.Clone(), data);
    }

    /// <summary>A new tensor of this dtype and shape holding a copy of the bytes.</summary>
    public Tensor ToTensor(Device? device = null)
    {
        long[] shape = [.. Shape];
        return DType switch
        {
            DType.Float32 => torch.tensor(MemoryMarshal.Cast<byte, float>(Data), shape, device),
            DType.Float16 => torch.tensor(MemoryMarshal.Cast<byte, Half>(Data), shape, device),
            DType.BFloat16 => torch.tensor(MemoryMarshal.Cast<byte, BFloat16>(Data), shape, device),
            _ => torch.tensor(MemoryMarshal.Cast<byte, long>(Data), shape, device),
        };
    }

    /// <summary>The values as floats, whatever float encoding they travelled in.</summary>
    public float[] ToFloats() => DType switch
    {
        DType.Float32 => MemoryMarshal.Cast<byte, float>(Data).ToArray(),
        DType.Float16 => [.. MemoryMarshal.Cast<byte, Half>(Data).ToArray().Select(h => (float)h)],
        DType.BFloat16 => [.. MemoryMarshal.Cast<byte, BFloat16>(Data).ToArray().Select(b => (float)b)],
        _ => throw new InvalidOperationException($"tensor '{Name}' holds {DType}, not floats"),
    };

    public long[] ToInt64() => DType == DType.Int64
        ? MemoryMarshal.Cast<byte, long>(Data).ToArray()
        : throw new InvalidOperationException($"tensor '{Name}' holds {DType}, not Int64");

    private static int ElementSize(DType dtype) => dtype switch
    {
        DType.Float16 or DType.BFloat16 => 2,
        DType.Float32 => 4,
        _ => 8,
    };

    private static byte[] Convert<T>(ReadOnlySpan<float> values, Func<float, T> narrow) where T : unmanaged
    {
        var narrowed = new T[values.Length];
        for (int i = 0; i < values.Length; i++) narrowed[i] = narrow(values[i]);
        return MemoryMarshal.AsBytes(narrowed.AsSpan()).ToArray();
    }

    private static void CheckShape(string name, long[] shape, int count)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Any(size => size < 0) || shape.Aggregate(1L, (product, size) => product * size) != count)
            throw new ArgumentException($"tensor '{name}': shape [{string.Join(", ", shape)}] does not hold {count} values", nameof(shape));
    }
}
