using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.IO.MemoryMappedFiles;
using System.Text.Json;
using System.Text.Unicode;

namespace Cluster.Torch.Safetensors;

/// <summary>
/// A safetensors file mapped read-only into memory. Tensor bytes are served straight out of the mapping, so opening a
/// multi-gigabyte checkpoint costs only the header parse and the OS pages data in as it is touched.
/// </summary>
/// <remarks>
/// The header is held to the rules of Hugging Face's reader (plus rejecting duplicate keys), so a file accepted here
/// is one the Python <c>safetensors</c> library accepts too. Spans and pointers handed out stay valid until
/// <see cref="Dispose"/>.
/// </remarks>
public sealed unsafe class SafetensorsFile : IDisposable
{
    internal const int LengthPrefixSize = 8;

    /// <summary>A larger header is a corrupt or hostile length field, not a real header; Hugging Face caps it too.</summary>
    internal const long MaxHeaderLength = 100L * 1024 * 1024;

    internal const string MetadataKey = "__metadata__";

    private readonly MemoryMappedFile _mapping;
    private readonly MemoryMappedViewAccessor _view;
    private readonly IReadOnlyList<SafetensorsEntry> _entries;
    private readonly Dictionary<string, SafetensorsEntry> _byName;
    private readonly IReadOnlyDictionary<string, string> _metadata;

    // Non-null while the view's pointer is acquired. There is deliberately no finalizer: the acquired reference keeps
    // the mapping alive, so a span that outlives a forgotten file object leaks the mapping instead of reading unmapped
    // memory.
    private byte* _base;

    private SafetensorsFile(string path, MemoryMappedFile mapping, MemoryMappedViewAccessor view, long length)
    {
        byte* pointer = null;
        try
        {
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
            pointer += view.PointerOffset;
            (SafetensorsEntry[] entries, Dictionary<string, string> metadata) = ReadHeader(pointer, length, path);
            _entries = Array.AsReadOnly(entries);
            _byName = entries.ToDictionary(e => e.Name, StringComparer.Ordinal);
            _metadata = metadata.AsReadOnly();
        }
        catch
        {
            if (pointer != null) view.SafeMemoryMappedViewHandle.ReleasePointer();
            throw;
        }

        Path = path;
        _mapping = mapping;
        _view = view;
        _base = pointer;
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>The tensors, in header order.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries
    {
        get
        {
            ThrowIfDisposed();
            return _entries;
        }
    }

    /// <summary>The header's <c>__metadata__</c> object; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata
    {
        get
        {
            ThrowIfDisposed();
            return _metadata;
        }
    }

    public SafetensorsEntry this[string name] =>
        TryGetEntry(name, out SafetensorsEntry? entry)
            ? entry
            : throw new KeyNotFoundException($"{Path}: no tensor named '{name}'");

    /// <summary>Maps <paramref name="path"/> read-only and validates its header.</summary>
    /// <exception cref="SafetensorsFormatException">The file breaks the format.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = System.IO.Path.GetFullPath(path);
        // Buffer size 1 disables buffering: every byte is read through the mapping, never through the stream.
        var stream = new FileStream(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        MemoryMappedFile? mapping = null;
        MemoryMappedViewAccessor? view = null;
        try
        {
            long length = stream.Length;
            // Checked before mapping because an empty file cannot be mapped at all.
            if (length == 0) throw new SafetensorsFormatException(fullPath, "file is empty");
            if (length < LengthPrefixSize)
                throw new SafetensorsFormatException(fullPath,
                    $"file is {length} bytes, too short for the {LengthPrefixSize}-byte header length");
            mapping = MemoryMappedFile.CreateFromFile(stream, mapName: null, capacity: 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            view = mapping.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new SafetensorsFile(fullPath, mapping, view, length);
        }
        catch
        {
            view?.Dispose();
            if (mapping is null) stream.Dispose();
            else mapping.Dispose();
            throw;
        }
    }

    public bool TryGetEntry(string name, [MaybeNullWhen(false)] out SafetensorsEntry entry)
    {
        ThrowIfDisposed();
        return _byName.TryGetValue(name, out entry);
    }

    public bool Contains(string name) => TryGetEntry(name, out _);

    /// <summary>The tensor's bytes, straight out of the mapping (no copy); valid until <see cref="Dispose"/>.</summary>
    /// <exception cref="NotSupportedException">The tensor is larger than a span can hold; use <see cref="GetPointer"/>.</exception>
    public ReadOnlySpan<byte> GetBytes(SafetensorsEntry entry)
    {
        byte* pointer = GetPointer(entry);
        if (entry.ByteLength > int.MaxValue)
            throw new NotSupportedException(
                $"{Path}: tensor '{entry.Name}' is {entry.ByteLength} bytes, more than a span can hold; use GetPointer");
        return new ReadOnlySpan<byte>(pointer, (int)entry.ByteLength);
    }

    /// <summary>
    /// The address of the tensor's first byte in the mapping, for tensors of any size. The pages are read-only:
    /// writing through the pointer faults. Valid until <see cref="Dispose"/>.
    /// </summary>
    public byte* GetPointer(SafetensorsEntry entry)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(entry);
        // An entry of another file could point past the end of this mapping.
        if (!_byName.TryGetValue(entry.Name, out SafetensorsEntry? own) || own != entry)
            throw new ArgumentException($"{Path}: entry '{entry.Name}' does not describe a tensor of this file",
                nameof(entry));
        return _base + entry.DataOffset;
    }

    public void Dispose()
    {
        if (_base == null) return;
        _base = null;
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _mapping.Dispose();
    }

    internal static string DTypeName(DType dtype) => dtype switch
    {
        DType.Float64 => "F64",
        DType.Float32 => "F32",
        DType.Float16 => "F16",
        DType.BFloat16 => "BF16",
        DType.Int64 => "I64",
        DType.Int32 => "I32",
        DType.Int16 => "I16",
        DType.Int8 => "I8",
        DType.UInt8 => "U8",
        DType.Bool => "BOOL",
        _ => throw new ArgumentException($"safetensors has no encoding for dtype {dtype}", nameof(dtype)),
    };

    /// <summary>
    /// Element count and byte size of a tensor; false when either overflows a long. Like Hugging Face's reader it fails
    /// on overflow even when a later dimension is zero.
    /// </summary>
    internal static bool TryGetSize(DType dtype, IReadOnlyList<long> shape, out long elementCount, out long byteLength)
    {
        elementCount = 0;
        byteLength = 0;
        Int128 count = 1;
        foreach (long dim in shape)
        {
            // Both factors are at most long.MaxValue here, so the product cannot overflow an Int128.
            count *= dim;
            if (count > long.MaxValue) return false;
        }

        Int128 bytes = count * dtype.ElementSize();
        if (bytes > long.MaxValue) return false;
        elementCount = (long)count;
        byteLength = (long)bytes;
        return true;
    }

    private static DType? ParseDType(string name) => name switch
    {
        "F64" => DType.Float64,
        "F32" => DType.Float32,
        "F16" => DType.Float16,
        "BF16" => DType.BFloat16,
        "I64" => DType.Int64,
        "I32" => DType.Int32,
        "I16" => DType.Int16,
        "I8" => DType.Int8,
        "U8" => DType.UInt8,
        "BOOL" => DType.Bool,
        _ => null,
    };

    private static (SafetensorsEntry[] Entries, Dictionary<string, string> Metadata) ReadHeader(
        byte* file, long length, string path)
    {
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(file, LengthPrefixSize));
        if (headerLength > MaxHeaderLength)
            throw new SafetensorsFormatException(path,
                $"header length {headerLength} exceeds the {MaxHeaderLength / (1024 * 1024)} MiB limit");
        if ((long)headerLength > length - LengthPrefixSize)
            throw new SafetensorsFormatException(path,
                $"header length {headerLength} runs past the end of the file, which has {length - LengthPrefixSize} " +
                "bytes after the length prefix");

        long dataStart = LengthPrefixSize + (long)headerLength;
        var header = new ReadOnlySpan<byte>(file + LengthPrefixSize, (int)headerLength);
        return ParseHeader(header, dataStart, length - dataStart, path);
    }

    private static (SafetensorsEntry[] Entries, Dictionary<string, string> Metadata) ParseHeader(
        ReadOnlySpan<byte> header, long dataStart, long dataLength, string path)
    {
        if (!Utf8.IsValid(header)) throw new SafetensorsFormatException(path, "header is not valid UTF-8");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(path, $"header is not valid JSON: {e.Message}", e);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SafetensorsFormatException(path, $"header must be a JSON object but is {Kind(root)}");

            var entries = new List<SafetensorsEntry>();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            Dictionary<string, string>? metadata = null;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!keys.Add(property.Name))
                    throw new SafetensorsFormatException(path, $"header has duplicate key '{property.Name}'");
                if (property.Name == MetadataKey) metadata = ParseMetadata(property.Value, path);
                else entries.Add(ParseEntry(property.Name, property.Value, dataStart, path));
            }

            CheckTiling(entries, dataStart, dataLength, path);
            return (entries.ToArray(), metadata ?? new Dictionary<string, string>());
        }
    }

    private static Dictionary<string, string>? ParseMetadata(JsonElement value, string path)
    {
        // Hugging Face reads __metadata__ into an optional map, and null is how JSON spells "absent".
        if (value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, $"'{MetadataKey}' must be a JSON object but is {Kind(value)}");

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.String)
                throw new SafetensorsFormatException(path,
                    $"metadata value of '{property.Name}' must be a string but is {Kind(property.Value)}");
            if (!metadata.TryAdd(property.Name, property.Value.GetString()!))
                throw new SafetensorsFormatException(path, $"metadata has duplicate key '{property.Name}'");
        }

        return metadata;
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement value, long dataStart, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw new SafetensorsFormatException(path, $"tensor '{name}' must be a JSON object but is {Kind(value)}");

        JsonElement? dtypeField = null, shapeField = null, offsetsField = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtypeField is null: dtypeField = field.Value; break;
                case "shape" when shapeField is null: shapeField = field.Value; break;
                case "data_offsets" when offsetsField is null: offsetsField = field.Value; break;
                case "dtype" or "shape" or "data_offsets":
                    throw new SafetensorsFormatException(path, $"tensor '{name}' has duplicate field '{field.Name}'");
                default:
                    break; // any other field is ignored, as Hugging Face's reader ignores it
            }
        }

        if (dtypeField is not { ValueKind: JsonValueKind.String } dtypeElement)
            throw new SafetensorsFormatException(path, $"tensor '{name}' needs a string 'dtype'");
        string dtypeName = dtypeElement.GetString()!;
        DType dtype = ParseDType(dtypeName)
            ?? throw new SafetensorsFormatException(path, $"tensor '{name}' has unknown dtype '{dtypeName}'");

        if (shapeField is not { ValueKind: JsonValueKind.Array } shapeElement)
            throw new SafetensorsFormatException(path, $"tensor '{name}' needs a 'shape' array");
        long[] shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (JsonElement dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out shape[i]))
                throw new SafetensorsFormatException(path,
                    $"tensor '{name}' has shape entry {dim.GetRawText()}, which is not an integer");
            if (shape[i] < 0)
                throw new SafetensorsFormatException(path, $"tensor '{name}' has negative dimension {shape[i]}");
            i++;
        }

        if (offsetsField is not { ValueKind: JsonValueKind.Array } offsetsElement
            || offsetsElement.GetArrayLength() != 2
            || !TryGetOffset(offsetsElement[0], out long begin)
            || !TryGetOffset(offsetsElement[1], out long end))
            throw new SafetensorsFormatException(path,
                $"tensor '{name}' needs 'data_offsets' of two non-negative integers [begin, end]");
        if (end < begin)
            throw new SafetensorsFormatException(path,
                $"tensor '{name}' has data_offsets [{begin}, {end}] whose end is before its begin");

        if (!TryGetSize(dtype, shape, out long elementCount, out long byteLength))
            throw new SafetensorsFormatException(path,
                $"tensor '{name}' has shape {FormatShape(shape)} of {dtypeName}, whose size overflows 64 bits");
        if (end - begin != byteLength)
            throw new SafetensorsFormatException(path,
                $"tensor '{name}' has data_offsets [{begin}, {end}] but shape {FormatShape(shape)} of {dtypeName} " +
                $"needs {byteLength} bytes");

        return new SafetensorsEntry(name, dtype, shape, elementCount, dataStart + begin, byteLength);
    }

    private static bool TryGetOffset(JsonElement element, out long offset)
    {
        offset = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out offset) && offset >= 0;
    }

    /// <summary>
    /// Hugging Face's rule: sorted by offsets, the tensors tile the data region exactly, without overlaps, holes or an
    /// uncovered tail. Tiling is what lets a reader trust that every byte belongs to exactly one tensor.
    /// </summary>
    private static void CheckTiling(List<SafetensorsEntry> entries, long dataStart, long dataLength, string path)
    {
        long covered = 0;
        SafetensorsEntry? previous = null;
        foreach (SafetensorsEntry entry in entries.OrderBy(e => e.DataOffset).ThenBy(e => e.ByteLength))
        {
            long begin = entry.DataOffset - dataStart;
            long end = begin + entry.ByteLength;
            if (end > dataLength)
                throw new SafetensorsFormatException(path,
                    $"tensor '{entry.Name}' has data_offsets [{begin}, {end}] beyond the end of the file " +
                    $"(the data region is {dataLength} bytes)");
            if (begin < covered)
                throw new SafetensorsFormatException(path,
                    $"tensor '{entry.Name}' at data_offsets [{begin}, {end}] overlaps tensor '{previous!.Name}', " +
                    $"which ends at {covered}");
            if (begin > covered)
                throw new SafetensorsFormatException(path, previous is null
                    ? $"data region has a hole: its first {begin} bytes precede tensor '{entry.Name}' and belong to no tensor"
                    : $"data region has a hole: bytes [{covered}, {begin}) between tensors '{previous.Name}' and " +
                      $"'{entry.Name}' belong to no tensor");
            covered = end;
            previous = entry;
        }

        if (covered != dataLength)
            throw new SafetensorsFormatException(path,
                $"data region is {dataLength} bytes but the tensors cover only {covered}; the rest is not covered by " +
                "any tensor");
    }

    private static string FormatShape(long[] shape) => $"[{string.Join(", ", shape)}]";

    private static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "an object",
    };

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_base == null, this);
}
