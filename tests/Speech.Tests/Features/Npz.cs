using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace Cluster.Speech.Tests.Features;

/// <summary>
/// Just enough of numpy's .npz (a zip of .npy files) to read Whisper's mel_filters.npz: little-endian
/// float32, C order, format versions 1 to 3.
/// </summary>
internal static partial class Npz
{
    public static Dictionary<string, (long[] Shape, float[] Values)> ReadFloat32(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var arrays = new Dictionary<string, (long[], float[])>(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            using var stream = entry.Open();
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            arrays.Add(Path.GetFileNameWithoutExtension(entry.Name), ReadNpy(memory.ToArray()));
        }
        return arrays;
    }

    private static (long[] Shape, float[] Values) ReadNpy(byte[] bytes)
    {
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException("not an .npy file");
        var major = bytes[6];
        var (headerLength, headerStart) = major == 1
            ? (BitConverter.ToUInt16(bytes, 8), 10)
            : ((int)BitConverter.ToUInt32(bytes, 8), 12);
        var header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);
        if (!header.Contains("'descr': '<f4'", StringComparison.Ordinal) || !header.Contains("'fortran_order': False", StringComparison.Ordinal))
            throw new InvalidDataException($"only little-endian float32 in C order is supported: {header}");
        var shape = ShapePattern().Match(header).Groups[1].Value
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(long.Parse).ToArray();
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var data = bytes.AsSpan(headerStart + headerLength);
        if (data.Length != count * sizeof(float)) throw new InvalidDataException($"shape ({string.Join(", ", shape)}) needs {count * 4} bytes, found {data.Length}");
        var values = new float[count];
        data.CopyTo(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
        return (shape, values);
    }

    [GeneratedRegex(@"'shape': \(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
