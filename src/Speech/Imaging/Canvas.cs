using System.Text;

namespace Cluster.Speech.Imaging;

/// <summary>
/// An RGB image in memory with the few drawing operations report plots need: pixels, filled rectangles, lines,
/// text in a built-in 5×7 bitmap font, and copying another canvas in. Everything clips at the edges, so callers can
/// draw without bounds checks.
/// </summary>
public sealed class Canvas
{
    private readonly byte[] _pixels;

    public Canvas(int width, int height, Rgb background)
    {
        if (width <= 0) throw new ArgumentOutOfRangeException(nameof(width), width, "must be positive");
        if (height <= 0) throw new ArgumentOutOfRangeException(nameof(height), height, "must be positive");
        Width = width;
        Height = height;
        _pixels = new byte[checked(width * height * 3)];
        FillRect(0, 0, width, height, background);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Height in pixels of a line of text at scale 1.</summary>
    public static int TextHeight => BitmapFont.GlyphHeight;

    /// <summary>The pixels as rows of R, G, B bytes, top row first (what <see cref="PngWriter"/> takes).</summary>
    public ReadOnlySpan<byte> Pixels => _pixels;

    public Rgb GetPixel(int x, int y)
    {
        if (!Contains(x, y)) throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) is outside the {Width}x{Height} canvas");
        int i = (y * Width + x) * 3;
        return new Rgb(_pixels[i], _pixels[i + 1], _pixels[i + 2]);
    }

    /// <summary>Sets one pixel; a point outside the canvas is ignored.</summary>
    public void SetPixel(int x, int y, Rgb color)
    {
        if (!Contains(x, y)) return;
        int i = (y * Width + x) * 3;
        _pixels[i] = color.R;
        _pixels[i + 1] = color.G;
        _pixels[i + 2] = color.B;
    }

    public void FillRect(int x, int y, int width, int height, Rgb color)
    {
        int left = Math.Max(x, 0), right = Math.Min(x + width, Width);
        int top = Math.Max(y, 0), bottom = Math.Min(y + height, Height);
        for (int row = top; row < bottom; row++)
            for (int column = left; column < right; column++) SetPixel(column, row, color);
    }

    /// <summary>The one-pixel outline of a rectangle, inside its bounds.</summary>
    public void DrawRect(int x, int y, int width, int height, Rgb color)
    {
        if (width <= 0 || height <= 0) return;
        DrawLine(x, y, x + width - 1, y, color);
        DrawLine(x, y + height - 1, x + width - 1, y + height - 1, color);
        DrawLine(x, y, x, y + height - 1, color);
        DrawLine(x + width - 1, y, x + width - 1, y + height - 1, color);
    }

    /// <summary>A one-pixel line including both ends (Bresenham's algorithm, integer steps only).</summary>
    public void DrawLine(int x0, int y0, int x1, int y1, Rgb color)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int stepX = x0 < x1 ? 1 : -1, stepY = y0 < y1 ? 1 : -1;
        int error = dx + dy;
        while (true)
        {
            SetPixel(x0, y0, color);
            if (x0 == x1 && y0 == y1) return;
            int doubled = 2 * error;
            if (doubled >= dy)
            {
                error += dy;
                x0 += stepX;
            }

            if (doubled <= dx)
            {
                error += dx;
                y0 += stepY;
            }
        }
    }

    /// <summary>
    /// Draws <paramref name="text"/> with its top-left corner at (x, y), each font pixel a
    /// <paramref name="scale"/>×<paramref name="scale"/> square; characters outside printable ASCII draw as '?'.
    /// Returns the width drawn.
    /// </summary>
    public int DrawText(int x, int y, string text, Rgb color, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        int left = x;
        foreach (Rune character in text.EnumerateRunes())
        {
            for (int column = 0; column < BitmapFont.GlyphWidth; column++)
            {
                for (int row = 0; row < BitmapFont.GlyphHeight; row++)
                    if (BitmapFont.IsSet(character, column, row)) FillRect(left + column * scale, y + row * scale, scale, scale, color);
            }

            left += BitmapFont.Advance * scale;
        }

        return BitmapFont.Width(text, scale);
    }

    /// <summary>Width in pixels that <see cref="DrawText"/> will use for <paramref name="text"/>.</summary>
    public static int TextWidth(string text, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        return BitmapFont.Width(text, scale);
    }

    /// <summary>Copies <paramref name="source"/> in with its top-left corner at (x, y).</summary>
    public void Blit(Canvas source, int x, int y)
    {
        ArgumentNullException.ThrowIfNull(source);
        int left = Math.Max(x, 0), right = Math.Min(x + source.Width, Width);
        if (left >= right) return;
        for (int row = Math.Max(y, 0); row < Math.Min(y + source.Height, Height); row++)
        {
            source._pixels.AsSpan(((row - y) * source.Width + (left - x)) * 3, (right - left) * 3)
                .CopyTo(_pixels.AsSpan((row * Width + left) * 3));
        }
    }

    /// <summary>The canvas as a PNG file's bytes.</summary>
    public byte[] EncodePng() => PngWriter.Encode(Width, Height, _pixels);

    /// <summary>Writes the canvas as a PNG file, atomically.</summary>
    public void SavePng(string path) => PngWriter.Write(path, Width, Height, _pixels);

    private bool Contains(int x, int y) => (uint)x < (uint)Width && (uint)y < (uint)Height;
}
