using System.Buffers.Binary;
using System.Text;
using Cluster.Speech.Imaging;
using Cluster.Speech.Tests.Data;

namespace Cluster.Speech.Tests.Evaluation;

public sealed class PngWriterTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 3)]
    [InlineData(64, 48)]
    [InlineData(301, 2)]
    public void Decodes_back_to_the_same_pixels(int width, int height)
    {
        var random = new Random(width * 1000 + height);
        byte[] rgb = new byte[width * height * 3];
        random.NextBytes(rgb);

        DecodedPng png = PngDecoder.Decode(PngWriter.Encode(width, height, rgb));

        Assert.Equal(width, png.Width);
        Assert.Equal(height, png.Height);
        Assert.Equal(rgb, png.Rgb);
    }

    [Fact]
    public void Has_the_signature_the_header_fields_and_three_chunks_with_valid_CRCs()
    {
        byte[] file = PngWriter.Encode(5, 4, new byte[5 * 4 * 3]);

        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, file[..8]);
        // IHDR comes first: length 13, then width, height, depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace.
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(file.AsSpan(8)));
        Assert.Equal("IHDR", Encoding.ASCII.GetString(file, 12, 4));
        DecodedPng png = PngDecoder.Decode(file);
        Assert.Equal((5, 4, (byte)8, (byte)2, (byte)0, (byte)0, (byte)0),
            (png.Width, png.Height, png.BitDepth, png.ColorType, png.Compression, png.Filter, png.Interlace));
        Assert.Equal(["IHDR", "IDAT", "IEND"], png.Chunks);
        Assert.All(png.RowFilters, filter => Assert.Equal(1, filter));
        // The empty IEND chunk's CRC is a constant every PNG ends with.
        Assert.Equal(new byte[] { 0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82 }, file[^12..]);
    }

    [Fact]
    public void The_zlib_stream_has_a_valid_header_and_smooth_images_compress()
    {
        const int width = 256, height = 64;
        var canvas = new Canvas(width, height, Rgb.White);
        for (int x = 0; x < width; x++) canvas.DrawLine(x, 0, x, height - 1, Viridis.At(x / 255.0));
        byte[] file = canvas.EncodePng();

        // The IDAT data starts after signature (8) + IHDR (25) + IDAT length and type (8): CMF 0x78 (deflate, 32K
        // window) and an FLG that makes CMF·256 + FLG a multiple of 31, as zlib requires.
        int cmf = file[41], flg = file[42];
        Assert.Equal(0x78, cmf);
        Assert.Equal(0, (cmf * 256 + flg) % 31);
        Assert.True(file.Length < width * height * 3 / 10, $"{file.Length} bytes for a gradient");
        Assert.Equal(canvas.Pixels.ToArray(), PngDecoder.Decode(file).Rgb);
    }

    [Fact]
    public void Writes_atomically_and_refuses_wrong_sizes()
    {
        using var folder = new TempDirectory();
        string path = folder.Combine("image.png");
        byte[] rgb = [255, 0, 0, 0, 255, 0];

        PngWriter.Write(path, 2, 1, rgb);
        PngWriter.Write(path, 2, 1, rgb);

        Assert.Equal([path], Directory.GetFiles(folder.Root));
        Assert.Equal(rgb, PngDecoder.Decode(File.ReadAllBytes(path)).Rgb);
        Assert.Throws<ArgumentException>(() => PngWriter.Encode(2, 2, rgb));
        Assert.Throws<ArgumentOutOfRangeException>(() => PngWriter.Encode(0, 1, []));
    }

    [Fact]
    public void Table_CRC_matches_the_bitwise_definition()
    {
        byte[] data = Encoding.ASCII.GetBytes("123456789");

        // The CRC-32 check value of the standard.
        Assert.Equal(0xCBF43926u, PngWriter.Crc32(data));
        Assert.Equal(PngDecoder.Crc32(data), PngWriter.Crc32(data));
        Assert.Equal(PngWriter.Crc32(data), PngWriter.Crc32(data.AsSpan(4), PngWriter.Crc32(data.AsSpan(0, 4))));
    }
}
