using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Cluster.Speech.Data;

namespace Cluster.Speech.Imaging;

/// <summary>
/// Encodes 8-bit RGB images as PNG: signature, IHDR, one IDAT (a zlib stream of the rows, each with the Sub filter)
/// and IEND, every chunk with its CRC-32. Enough for report plots, with no image library to depend on.
/// </summary>
public static class PngWriter
{
    private const int BytesPerPixel = 3;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    // CRC-32 of ISO 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320), which PNG chunks carry.
    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>The PNG file of an image given as rows of R, G, B bytes, top row first.</summary>
    public static byte[] Encode(int width, int height, ReadOnlySpan<byte> rgb)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "must be positive");
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "must be positive");
        int stride = checked(width * BytesPerPixel);
        if (rgb.Length != checked(stride * height))
            throw new ArgumentException($"a {width}x{height} RGB image has {(long)stride * height} bytes, not {rgb.Length}", nameof(rgb));

        using var file = new MemoryStream();
        file.Write(Signature);

        Span<byte> header = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], height);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: truecolour
        header[10] = 0; // compression: deflate
        header[11] = 0; // filter method: adaptive (per-row filter byte)
        header[12] = 0; // no interlace
        WriteChunk(file, "IHDR", header);

        WriteChunk(file, "IDAT", Compress(rgb, stride, height));
        WriteChunk(file, "IEND", []);
        return file.ToArray();
    }

    /// <summary>Writes <see cref="Encode"/>'s file atomically, so a viewer never opens half an image.</summary>
    public static void Write(string path, int width, int height, ReadOnlySpan<byte> rgb)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] png = Encode(width, height, rgb);
        AtomicFile.Write(path, stream => stream.Write(png));
    }

    /// <summary>The CRC-32 PNG puts after each chunk, over its type and data.</summary>
    internal static uint Crc32(ReadOnlySpan<byte> data, uint crc = 0)
    {
        crc = ~crc;
        foreach (byte b in data) crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        return ~crc;
    }

    private static byte[] Compress(ReadOnlySpan<byte> rgb, int stride, int height)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            // Sub (each byte minus the same channel of the pixel to its left) turns plot backgrounds and smooth
            // colormap gradients into runs of zeros, which deflate compresses far better than the raw bytes.
            var row = new byte[1 + stride];
            row[0] = 1;
            for (int y = 0; y < height; y++)
            {
                ReadOnlySpan<byte> source = rgb.Slice(y * stride, stride);
                for (int i = 0; i < stride; i++)
                    row[1 + i] = i < BytesPerPixel ? source[i] : (byte)(source[i] - source[i - BytesPerPixel]);
                zlib.Write(row);
            }
        }

        return compressed.ToArray();
    }

    private static void WriteChunk(Stream file, string type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        Span<byte> typeBytes = stackalloc byte[4];
        Encoding.ASCII.GetBytes(type, typeBytes);
        file.Write(typeBytes);
        file.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32(data, Crc32(typeBytes)));
        file.Write(word);
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }

        return table;
    }
}
