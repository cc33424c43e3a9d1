using Cluster.Speech.Evaluation;
using SkiaSharp;

namespace Cluster.Speech.Tests.Evaluation;

public sealed class EnhancementPlotTests
{
    private const int Rate = 16000;

    [Fact]
    public void The_figure_is_a_PNG_of_its_size_with_three_coloured_waveforms_and_three_spectrograms()
    {
        PlotPng png = PlotPng.Decode(EnhancementPlot.Render(Example(), "worst 1 of 1", Rate));

        Assert.Equal((EnhancementPlot.Width, EnhancementPlot.Height), (png.Width, png.Height));
        // The header holds two lines of text.
        Assert.InRange(png.Inked(new SKRectI(0, 0, EnhancementPlot.Width / 2, 60)), 0.01, 0.5);
        int rowHeight = (EnhancementPlot.Height - 78) / 3;
        SKColor[] waveColours = [new(204, 85, 0), new(31, 90, 180), new(30, 130, 60)];
        for (int row = 0; row < 3; row++)
        {
            int top = 78 + row * rowHeight;
            var waveform = new SKRectI(0, top, 600, top + rowHeight);
            var spectrogram = new SKRectI(600, top, EnhancementPlot.Width, top + rowHeight);
            // Each row's waveform in its own colour, the others' absent.
            Assert.True(png.Near(waveColours[row], 40, waveform) > 500, $"row {row}: its waveform colour is missing");
            for (int other = 0; other < 3; other++)
            {
                if (other != row) Assert.True(png.Near(waveColours[other], 40, waveform) < 50, $"row {row} holds row {other}'s colour");
            }

            // A heatmap of many viridis shades plus its colour bar.
            Assert.True(png.Colours(spectrogram) > 200, $"row {row}: the spectrogram has only {png.Colours(spectrogram)} colours");
        }
    }

    [Fact]
    public void Low_frequencies_are_at_the_bottom_of_the_spectrogram()
    {
        // Clean: a 300 Hz tone only, so the brightest line of its panel (the yellow end of viridis) is near the bottom.
        PlotPng png = PlotPng.Decode(EnhancementPlot.Render(Example(), "best 1 of 1", Rate));

        int rowHeight = (EnhancementPlot.Height - 78) / 3;
        int top = 78 + 2 * rowHeight;
        var yellow = new SKColor(253, 231, 37);
        // Columns inside the data area, clear of the axis labels and the colour bar.
        int brightest = Enumerable.Range(top, rowHeight).MaxBy(y => png.Near(yellow, 60, new SKRectI(720, y, 1100, y + 1)));
        Assert.InRange(brightest, top + rowHeight * 0.7, top + rowHeight - 1);
        Assert.True(png.Near(yellow, 60, new SKRectI(720, brightest, 1100, brightest + 1)) > 300);
    }

    /// <summary>Clean: a 300 Hz tone of 1.5 s; noisy: it plus white noise; enhanced: half the noise.</summary>
    private static EnhancementExample Example()
    {
        var random = new Random(7);
        int length = Rate * 3 / 2;
        float[] clean = new float[length], noisy = new float[length], enhanced = new float[length];
        for (int i = 0; i < length; i++)
        {
            clean[i] = (float)(0.5 * Math.Sin(2 * Math.PI * 300 * i / Rate));
            float noise = (float)(0.2 * (random.NextDouble() * 2 - 1));
            noisy[i] = clean[i] + noise;
            enhanced[i] = clean[i] + noise / 2;
        }

        return new EnhancementExample(new EnhancementResult(0, "spk1/utt 1", 8.1, 14.2, 6.1, 14.5), noisy, enhanced, clean);
    }
}
