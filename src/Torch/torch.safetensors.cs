using Cluster.Torch.Interop;
using Cluster.Torch.Safetensors;

namespace Cluster.Torch;

// Tensor-level safetensors I/O on top of SafetensorsFile and SafetensorsWriter.
public static partial class torch
{
    /// <summary>
    /// Reads every tensor of a safetensors file, in header order, copying each once from the
    /// memory-mapped file into a new tensor on <paramref name="device"/> (CPU by default; CUDA
    /// tensors are staged through host memory). The caller owns the tensors (a dispose scope collects them).
    /// </summary>
    /// <exception cref="SafetensorsFormatException">The file breaks the format.</exception>
    public static Dictionary<string, Tensor> load_safetensors(string path, Device? device = null)
    {
        using var file = SafetensorsFile.Open(path);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var entry in file.Entries) result.Add(entry.Name, FromEntry(file, entry, device ?? Device.CPU));
        }
        catch
        {
            foreach (var tensor in result.Values) tensor.Dispose();
            throw;
        }
        return result;
    }

    private static unsafe Tensor FromEntry(SafetensorsFile file, SafetensorsEntry entry, Device device)
    {
        var shape = entry.Shape.ToArray();
        var data = file.GetPointer(entry);
        IntPtr result;
        fixed (long* sizes = shape)
            result = Native.ts_from_data(data, entry.ByteLength, sizes, shape.Length, (int)entry.DType, (int)device.Type, device.Index);
        return Tensor.Wrap(result);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (in enumeration order) as a safetensors file, atomically.
    /// Each tensor's bytes are streamed to the file on their own, so no buffer of the whole
    /// checkpoint is built; CPU tensors are written straight from their storage. Complex tensors
    /// are refused: safetensors has no complex dtype.
    /// </summary>
    public static void save_safetensors(IReadOnlyDictionary<string, Tensor> tensors, string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var entries = new List<SafetensorsTensorData>(tensors.Count);
        foreach (var (name, tensor) in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, $"{nameof(tensors)}[\"{name}\"]");
            var dtype = tensor.dtype;
            if (dtype.IsComplex())
                throw new ArgumentException($"tensor '{name}' is {dtype}: safetensors has no complex dtypes; save torch.view_as_real(t) instead", nameof(tensors));
            var byteLength = tensor.numel() * dtype.ElementSize();
            entries.Add(new SafetensorsTensorData(name, dtype, tensor.shape, byteLength, stream => WriteElements(tensor, byteLength, stream)));
        }
        SafetensorsWriter.Write(path, entries, metadata);
    }

    private static unsafe void WriteElements(Tensor tensor, long byteLength, Stream stream)
    {
        // Aliases for a CPU contiguous tensor; one host copy otherwise.
        using var cpu = tensor.to(Device.CPU);
        using var host = cpu.contiguous();
        if (byteLength == 0) return;
        var data = (byte*)NativeCheck.Handle((IntPtr)Native.ts_tensor_data_ptr(host.Handle));
        // Spans hold at most int.MaxValue bytes; larger tensors go out in pieces.
        for (long offset = 0; offset < byteLength;)
        {
            var chunk = (int)Math.Min(byteLength - offset, 1 << 30);
            stream.Write(new ReadOnlySpan<byte>(data + offset, chunk));
            offset += chunk;
        }
        GC.KeepAlive(host);
    }
}
