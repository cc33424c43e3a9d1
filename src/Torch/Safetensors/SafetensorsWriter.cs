using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cluster.Torch.Safetensors;

/// <summary>Writes safetensors files laid out byte for byte as Hugging Face's library lays them out.</summary>
public static class SafetensorsWriter
{
    /// <summary>
    /// Writes <paramref name="tensors"/>, in the given order, to <paramref name="path"/>. The file appears atomically:
    /// a reader sees the old file or the complete new one, and a failed write leaves the old file untouched.
    /// </summary>
    /// <exception cref="ArgumentException">Tensor names repeat, or the metadata holds a null value.</exception>
    public static void Write(string path, IEnumerable<SafetensorsTensorData> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        List<SafetensorsTensorData> list = [.. tensors];
        byte[] header = BuildHeader(list, metadata);
        long fileLength = checked(SafetensorsFile.LengthPrefixSize + header.Length + list.Sum(t => t.ByteLength));

        string fullPath = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(fullPath)!,
            $".{Path.GetFileName(fullPath)}.tmp-{Guid.NewGuid():N}");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                // Reserving the space up front makes a full disk fail before gigabytes are written, not after.
                PreallocationSize = fileLength,
            };
            using (var stream = new FileStream(temp, options))
            {
                Span<byte> prefix = stackalloc byte[SafetensorsFile.LengthPrefixSize];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (SafetensorsTensorData tensor in list) tensor.WriteData(stream);
                // Durable before the rename, or a crash could leave the new name pointing at unwritten blocks.
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static byte[] BuildHeader(List<SafetensorsTensorData> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsTensorData? tensor in tensors)
        {
            if (tensor is null) throw new ArgumentException("tensors holds a null entry", nameof(tensors));
            if (!names.Add(tensor.Name))
                throw new ArgumentException($"tensor name '{tensor.Name}' appears more than once", nameof(tensors));
        }

        var json = new ArrayBufferWriter<byte>();
        // Relaxed escaping writes names as plain UTF-8, as Hugging Face does; the default would \u-escape '+' and
        // every non-ASCII character, which is valid but not byte-identical.
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafetensorsFile.MetadataKey);
                foreach ((string key, string value) in metadata)
                {
                    if (value is null)
                        throw new ArgumentException($"metadata value of '{key}' is null", nameof(metadata));
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (SafetensorsTensorData tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", SafetensorsFile.DTypeName(tensor.DType));
                writer.WriteStartArray("shape");
                foreach (long dim in tensor.Shape) writer.WriteNumberValue(dim);
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                offset += tensor.ByteLength;
                writer.WriteNumberValue(offset);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        if (json.WrittenCount > SafetensorsFile.MaxHeaderLength)
            throw new ArgumentException(
                $"the header would be {json.WrittenCount} bytes, more than the {SafetensorsFile.MaxHeaderLength} readers accept",
                nameof(tensors));

        // Padding to a multiple of 8 keeps the data region 8-byte aligned, so mapped tensors can be read in place.
        byte[] header = new byte[(json.WrittenCount + 7) & ~7];
        json.WrittenSpan.CopyTo(header);
        header.AsSpan(json.WrittenCount).Fill((byte)' ');
        return header;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The write's own failure is the one worth reporting; a stray temp file is the lesser problem.
        }
    }
}
