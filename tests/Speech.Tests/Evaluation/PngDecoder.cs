using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Cluster.Speech.Tests.Evaluation;

/// <summary>The parts of a decoded PNG the tests look at.</summary>
internal sealed record DecodedPng(int Width, int Height, byte BitDepth, byte ColorType, byte Compression, byte Filter,
    byte Interlace, IReadOnlyList<string> Chunks, byte[] RowFilters, byte[] Rgb);

/// <summary>
/// A minimal PNG reader written from the specification, independent of the writer under test: it checks the
/// signature and every chunk's CRC, inflates the concatenated IDAT data and undoes all five row filters, for 8-bit
/// RGB, non-interlaced images (all the writer produces).
/// </summary>
internal static class PngDecoder
{
    private static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static DecodedPng Decode(byte[] file)
    {
        if (!file.AsSpan(0, 8).SequenceEqual(Signature)) throw new InvalidDataException("no PNG signature");
        var chunks = new List<string>();
        using var idat = new MemoryStream();
        byte[]? header = null;
        int position = 8;
        while (true)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(position));
            string type = Encoding.ASCII.GetString(file, position + 4, 4);
            ReadOnlySpan<byte> typeAndData = file.AsSpan(position + 4, 4 + length);
            uint stored = BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(position + 8 + length));
            if (stored != Crc32(typeAndData)) throw new InvalidDataException($"bad CRC on chunk {type}");
            chunks.Add(type);
            ReadOnlySpan<byte> data = typeAndData[4..];
            if (type == "IHDR") header = data.ToArray();
            else if (type == "IDAT") idat.Write(data);
            position += 12 + length;
            if (type == "IEND") break;
        }

        if (position != file.Length) throw new InvalidDataException("bytes after IEND");
        if (header is null) throw new InvalidDataException("no IHDR");
        int width = BinaryPrimitives.ReadInt32BigEndian(header), height = BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4));
        if (header[8] != 8 || header[9] != 2 || header[12] != 0) throw new NotSupportedException("only 8-bit RGB, not interlaced");

        idat.Position = 0;
        using var inflated = new MemoryStream();
        using (var zlib = new ZLibStream(idat, CompressionMode.Decompress)) zlib.CopyTo(inflated);
        byte[] filtered = inflated.ToArray();
        int stride = width * 3;
        if (filtered.Length != height * (stride + 1)) throw new InvalidDataException($"{filtered.Length} inflated bytes for {width}x{height}");

        var rgb = new byte[height * stride];
        var rowFilters = new byte[height];
        for (int y = 0; y < height; y++)
        {
            byte filter = rowFilters[y] = filtered[y * (stride + 1)];
            for (int i = 0; i < stride; i++)
            {
                int raw = filtered[y * (stride + 1) + 1 + i];
                int a = i >= 3 ? rgb[y * stride + i - 3] : 0;
                int b = y > 0 ? rgb[(y - 1) * stride + i] : 0;
                int c = i >= 3 && y > 0 ? rgb[(y - 1) * stride + i - 3] : 0;
                int predictor = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"row {y} has filter type {filter}"),
                };
                rgb[y * stride + i] = (byte)(raw + predictor);
            }
        }

        return new DecodedPng(width, height, header[8], header[9], header[10], header[11], header[12], chunks, rowFilters, rgb);
    }

    /// <summary>Bit by bit from the definition (reflected polynomial 0xEDB88320), no table.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }

        return ~crc;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
