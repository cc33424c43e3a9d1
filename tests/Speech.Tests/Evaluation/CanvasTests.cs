using Cluster.Speech.Imaging;

namespace Cluster.Speech.Tests.Evaluation;

public sealed class CanvasTests
{
    private static readonly Rgb Red = new(255, 0, 0);

    [Fact]
    public void Lines_include_both_ends_and_are_one_pixel_per_major_step()
    {
        var canvas = new Canvas(20, 10, Rgb.White);

        canvas.DrawLine(2, 1, 17, 6, Red);

        Assert.Equal(Red, canvas.GetPixel(2, 1));
        Assert.Equal(Red, canvas.GetPixel(17, 6));
        Assert.Equal(16, Count(canvas, Red));
        for (int x = 2; x <= 17; x++)
            Assert.Single(Enumerable.Range(0, 10), y => canvas.GetPixel(x, y) == Red);
    }

    [Fact]
    public void Drawing_clips_at_the_edges()
    {
        var canvas = new Canvas(4, 3, Rgb.White);

        canvas.FillRect(-5, -5, 7, 6, Red);
        canvas.DrawLine(-10, 2, 10, 2, Red);
        canvas.DrawText(2, 1, "WWW", Red, scale: 3);

        Assert.Equal(Red, canvas.GetPixel(0, 0));
        Assert.Equal(Red, canvas.GetPixel(1, 0));
        Assert.Equal(Rgb.White, canvas.GetPixel(3, 0));
        Assert.All(Enumerable.Range(0, 4), x => Assert.Equal(Red, canvas.GetPixel(x, 2)));
    }

    [Fact]
    public void Text_draws_the_glyphs_of_the_font_scaled()
    {
        var canvas = new Canvas(40, 20, Rgb.White);

        int width = canvas.DrawText(1, 2, "1-", Rgb.Black, scale: 2);

        Assert.Equal((2 * 6 - 1) * 2, width);
        Assert.Equal(width, Canvas.TextWidth("1-", 2));
        // '1' has its stem in column 2, all seven rows; '-' is the middle row (3) of its five columns.
        for (int row = 0; row < 7; row++) Assert.Equal(Rgb.Black, canvas.GetPixel(1 + 2 * 2, 2 + 2 * row + 1));
        for (int column = 0; column < 5; column++) Assert.Equal(Rgb.Black, canvas.GetPixel(1 + 12 + 2 * column, 2 + 2 * 3));
        Assert.Equal(Rgb.White, canvas.GetPixel(1 + 12, 2 + 2 * 2));
        // Ink never leaves the 5×7 cell of each glyph.
        Assert.Equal(Rgb.White, canvas.GetPixel(1 + 10, 2 + 6));
        Assert.Equal(Rgb.White, canvas.GetPixel(5, 2 + 14));
    }

    [Fact]
    public void Characters_outside_ASCII_draw_as_a_question_mark()
    {
        var chinese = new Canvas(20, 10, Rgb.White);
        var question = new Canvas(20, 10, Rgb.White);

        chinese.DrawText(0, 0, "天", Rgb.Black);
        question.DrawText(0, 0, "?", Rgb.Black);

        Assert.Equal(question.Pixels.ToArray(), chinese.Pixels.ToArray());
        Assert.Equal(5, Canvas.TextWidth("😀"));
    }

    [Fact]
    public void Blit_copies_a_clipped_block()
    {
        var canvas = new Canvas(5, 5, Rgb.White);
        var block = new Canvas(3, 3, Red);

        canvas.Blit(block, 3, -1);

        Assert.Equal(4, Count(canvas, Red));
        Assert.Equal(Red, canvas.GetPixel(4, 1));
        Assert.Equal(Rgb.White, canvas.GetPixel(2, 0));
        Assert.Equal(Rgb.White, canvas.GetPixel(3, 2));
    }

    [Theory]
    // Matplotlib's viridis at 0, 1/4, 1/2, 3/4 and 1: the five-colour palette #440154 #3b528b #21918c #5ec962 #fde725.
    [InlineData(0.0, 0x44, 0x01, 0x54)]
    [InlineData(0.25, 0x3b, 0x52, 0x8b)]
    [InlineData(0.5, 0x21, 0x91, 0x8c)]
    [InlineData(0.75, 0x5e, 0xc9, 0x62)]
    [InlineData(1.0, 0xfd, 0xe7, 0x25)]
    public void Viridis_follows_matplotlib(double t, int r, int g, int b)
    {
        Rgb color = Viridis.At(t);

        // The polynomial fit is within about 0.02 (5 of 255 levels) of the table: no visible difference.
        Assert.InRange(color.R, r - 5, r + 5);
        Assert.InRange(color.G, g - 5, g + 5);
        Assert.InRange(color.B, b - 5, b + 5);
    }

    [Fact]
    public void Viridis_gets_lighter_from_end_to_end()
    {
        // Perceptual uniformity shows as luminance rising steadily; a rainbow map would not.
        double[] luma = [.. Enumerable.Range(0, 256).Select(i => Viridis.At(i / 255.0)).Select(c => 0.2126 * c.R + 0.7152 * c.G + 0.0722 * c.B)];

        Assert.All(Enumerable.Range(8, 248), i => Assert.True(luma[i] > luma[i - 8], $"luma falls at {i}"));
        Assert.Equal(Viridis.At(0), Viridis.At(double.NaN));
        Assert.Equal(Viridis.At(1), Viridis.At(7));
    }

    private static int Count(Canvas canvas, Rgb color) =>
        Enumerable.Range(0, canvas.Height).Sum(y => Enumerable.Range(0, canvas.Width).Count(x => canvas.GetPixel(x, y) == color));
}
