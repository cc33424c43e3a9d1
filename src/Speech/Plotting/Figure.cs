using ScottPlot;
using SkiaSharp;

namespace Cluster.Speech.Plotting;

/// <summary>
/// What every picture the project draws with ScottPlot shares: the font, and PNG bytes from one plot or from several
/// placed on one canvas. Rendering is headless (SkiaSharp's Linux build reads the fonts under /usr/share/fonts).
/// </summary>
public static class Figure
{
    /// <summary>From fonts-dejavu-core (scripts/setup.sh). ScottPlot would otherwise take the first family the system
    /// lists, a serif one on Debian.</summary>
    public const string FontFamily = "DejaVu Sans";

    public static readonly Color Ink = new(30, 30, 30);

    /// <summary>Sets the font on every label the plot holds now: call it after the titles, labels and panels are added.</summary>
    public static void UseFont(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        plot.Font.Set(FontFamily);
    }

    public static byte[] Png(Plot plot, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(plot);
        UseFont(plot);
        return plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>A white canvas of the given size that <paramref name="draw"/> fills (plots with <see cref="Place"/>,
    /// text with <see cref="Text"/>), as PNG bytes.</summary>
    public static byte[] Png(int width, int height, Action<SKCanvas> draw)
    {
        ArgumentNullException.ThrowIfNull(draw);
        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul));
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using SKImage image = surface.Snapshot();
        using SKData png = image.Encode(SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }

    /// <summary>Draws <paramref name="plot"/> into <paramref name="where"/> on <paramref name="canvas"/>.</summary>
    public static void Place(SKCanvas canvas, Plot plot, SKRectI where)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(plot);
        UseFont(plot);
        // A plot clears the whole canvas it renders on, so each gets its own surface.
        using var surface = SKSurface.Create(new SKImageInfo(where.Width, where.Height, SKColorType.Rgba8888, SKAlphaType.Premul));
        plot.Render(surface);
        using SKImage image = surface.Snapshot();
        canvas.DrawImage(image, where.Left, where.Top);
    }

    /// <summary>One line of text whose baseline starts at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public static void Text(SKCanvas canvas, string text, float x, float y, float size, Color color, bool bold = false)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        using SKTypeface typeface = SKTypeface.FromFamilyName(FontFamily, bold ? SKFontStyle.Bold : SKFontStyle.Normal);
        using var font = new SKFont(typeface, size);
        using var paint = new SKPaint { Color = new SKColor(color.R, color.G, color.B), IsAntialias = true };
        canvas.DrawText(text, x, y, SKTextAlign.Left, font, paint);
    }
}
