using SkiaSharp;

namespace Cluster.Speech.Tests.Evaluation;

/// <summary>A PNG the plots wrote, decoded with SkiaSharp (not by the code that wrote it), as facts a test can check.</summary>
internal sealed class PlotPng
{
    private readonly SKBitmap _bitmap;

    private PlotPng(SKBitmap bitmap) => _bitmap = bitmap;

    public int Width => _bitmap.Width;

    public int Height => _bitmap.Height;

    /// <summary>Throws unless <paramref name="bytes"/> are a PNG that decodes.</summary>
    public static PlotPng Decode(byte[] bytes)
    {
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        return new PlotPng(SKBitmap.Decode(bytes) ?? throw new InvalidDataException("the PNG does not decode"));
    }

    /// <summary>Distinct colours in the region (whole image by default): a blank or one-colour picture has one or two.</summary>
    public int Colours(SKRectI? region = null) => Pixels(region).Distinct().Count();

    /// <summary>The share of the region's pixels that are not white.</summary>
    public double Inked(SKRectI? region = null)
    {
        SKColor[] pixels = [.. Pixels(region)];
        return (double)pixels.Count(p => p != SKColors.White) / pixels.Length;
    }

    /// <summary>Pixels within <paramref name="tolerance"/> per channel of <paramref name="color"/>.</summary>
    public int Near(SKColor color, int tolerance = 24, SKRectI? region = null) =>
        Pixels(region).Count(p => Math.Abs(p.Red - color.Red) <= tolerance && Math.Abs(p.Green - color.Green) <= tolerance
            && Math.Abs(p.Blue - color.Blue) <= tolerance);

    private IEnumerable<SKColor> Pixels(SKRectI? region)
    {
        SKRectI r = region ?? new SKRectI(0, 0, Width, Height);
        for (int y = r.Top; y < r.Bottom; y++)
        {
            for (int x = r.Left; x < r.Right; x++) yield return _bitmap.GetPixel(x, y);
        }
    }
}
