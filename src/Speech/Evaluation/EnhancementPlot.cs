using Cluster.Speech.Plotting;
using ScottPlot;
using ScottPlot.Plottables;
using SkiaSharp;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// One pair as a picture: rows noisy / enhanced / clean, columns waveform / spectrogram, with the SI-SNR numbers in
/// the titles. The three waveforms share one amplitude scale and the three spectrograms one dB scale (0 dB at the
/// loudest bin of all three, 80 dB of range), so a level or noise difference between rows shows as a visual difference.
/// </summary>
internal static class EnhancementPlot
{
    public const int Width = 1280;
    public const int Height = 900;

    private const double DynamicRangeDb = 80;
    private const int HeaderHeight = 78;
    private const int WaveformWidth = 600;
    private const int RowHeight = (Height - HeaderHeight) / 3;

    // The heatmap is drawn cell per pixel at most: a longer clip or a finer STFT is max-pooled to this, so a thin
    // harmonic or a short click is not lost between sampled cells.
    private const int MaxColumns = 520;
    private const int MaxRows = 200;

    private static readonly Color Muted = new(100, 100, 100);

    /// <summary>The figure as PNG bytes.</summary>
    /// <param name="heading">What the pair is in the report, e.g. "worst 1 of 5"; the id follows it.</param>
    public static byte[] Render(EnhancementExample example, string heading, int sampleRate)
    {
        EnhancementResult r = example.Result;
        (string Name, string Numbers, Color Color, ReadOnlyMemory<float> Samples)[] rows =
        [
            ("Noisy (input)", $"SI-SNR {Db(r.SiSnrNoisy)}", new Color(204, 85, 0), example.Noisy),
            ("Enhanced", $"SI-SNR {Db(r.SiSnrEnhanced)}, SI-SNRi {Db(r.SiSnrImprovement, signed: true)}", new Color(31, 90, 180), example.Enhanced),
            ("Clean (reference)", "", new Color(30, 130, 60), example.Clean),
        ];

        double peak = rows.Max(row => PeakOf(row.Samples.Span));
        Spectrogram[] spectrograms = [.. rows.Select(row => Spectrogram.Compute(row.Samples.Span))];
        double loudest = spectrograms.Max(s => s.Max);
        double seconds = (double)example.Clean.Length / sampleRate;

        var plots = new List<(Plot Plot, SKRectI Where)>();
        try
        {
            for (int i = 0; i < rows.Length; i++)
            {
                int top = HeaderHeight + i * RowHeight;
                string title = rows[i].Numbers.Length > 0 ? $"{rows[i].Name}: {rows[i].Numbers}" : rows[i].Name;
                plots.Add((Waveform(rows[i].Samples, sampleRate, seconds, peak, rows[i].Color, title),
                    new SKRectI(0, top, WaveformWidth, top + RowHeight)));
                plots.Add((SpectrogramPlot(spectrograms[i], loudest, seconds, sampleRate / 2.0, $"{rows[i].Name}: spectrogram"),
                    new SKRectI(WaveformWidth, top, Width, top + RowHeight)));
            }

            return Figure.Png(Width, Height, canvas =>
            {
                Figure.Text(canvas, $"{heading}: {r.Id}", 16, 28, 20, Figure.Ink, bold: true);
                Figure.Text(canvas,
                    $"SI-SNR noisy {Db(r.SiSnrNoisy)}    enhanced {Db(r.SiSnrEnhanced)}    SI-SNRi {Db(r.SiSnrImprovement, signed: true)}    SNR enhanced {Db(r.SnrEnhanced)}",
                    16, 52, 15, Figure.Ink);
                Figure.Text(canvas,
                    $"Waveforms on one amplitude scale; spectrograms (STFT {Spectrogram.FftSize}/{Spectrogram.Hop}, Hann) in dB below the loudest bin of the three.",
                    16, 70, 12, Muted);
                foreach ((Plot plot, SKRectI where) in plots) Figure.Place(canvas, plot, where);
            });
        }
        finally
        {
            foreach ((Plot plot, _) in plots) plot.Dispose();
        }
    }

    private static Plot Waveform(ReadOnlyMemory<float> samples, int sampleRate, double seconds, double peak, Color color, string title)
    {
        var plot = new Plot();
        // Signal draws the lowest to the highest sample of each pixel column, so every peak stays visible however long the clip.
        Signal signal = plot.Add.Signal(samples.ToArray(), 1.0 / sampleRate, color);
        signal.LineWidth = 1;
        double range = peak > 0 ? peak * 1.05 : 1;
        plot.Axes.SetLimits(0, Math.Max(seconds, 1e-3), -range, range);
        plot.Title(title, 14);
        plot.XLabel("time (s)", 12);
        plot.YLabel("amplitude", 12);
        return plot;
    }

    private static Plot SpectrogramPlot(Spectrogram spectrogram, double loudest, double seconds, double nyquist, string title)
    {
        var plot = new Plot();
        Heatmap heatmap = plot.Add.Heatmap(Pooled(spectrogram, loudest));
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.ManualRange = new ScottPlot.Range(-DynamicRangeDb, 0);
        double width = Math.Max(seconds, 1e-3);
        heatmap.Extent = new CoordinateRect(0, width, 0, nyquist);
        plot.Axes.SetLimits(0, width, 0, nyquist);
        plot.Add.ColorBar(heatmap).Label = "dB";
        plot.Title(title, 14);
        plot.XLabel("time (s)", 12);
        plot.YLabel("frequency (Hz)", 12);
        return plot;
    }

    /// <summary>The spectrogram in dB relative to <paramref name="loudest"/>, clipped to the dynamic range, as
    /// [row, column] with row 0 the highest frequency (the top of the image), max-pooled to at most
    /// <see cref="MaxRows"/> × <see cref="MaxColumns"/> cells.</summary>
    private static double[,] Pooled(Spectrogram spectrogram, double loudest)
    {
        int rows = Math.Min(spectrogram.Bins, MaxRows);
        int columns = Math.Min(spectrogram.Frames, MaxColumns);
        var cells = new double[rows, columns];
        for (int row = 0; row < rows; row++)
        {
            (int firstBin, int lastBin) = Cover(rows - 1 - row, rows, spectrogram.Bins);
            for (int column = 0; column < columns; column++)
            {
                (int firstFrame, int lastFrame) = Cover(column, columns, spectrogram.Frames);
                float max = float.MinValue;
                for (int bin = firstBin; bin < lastBin; bin++)
                {
                    for (int frame = firstFrame; frame < lastFrame; frame++) max = Math.Max(max, spectrogram[bin, frame]);
                }

                cells[row, column] = Math.Clamp(max - loudest, -DynamicRangeDb, 0);
            }
        }

        return cells;
    }

    /// <summary>The cells [first, last) of <paramref name="cells"/> that cell <paramref name="index"/> of
    /// <paramref name="count"/> pooled ones covers; at least one.</summary>
    private static (int First, int Last) Cover(int index, int count, int cells)
    {
        int first = (int)((long)index * cells / count);
        int last = (int)((long)(index + 1) * cells / count);
        return (Math.Min(first, cells - 1), Math.Max(last, Math.Min(first, cells - 1) + 1));
    }

    private static string Db(double value, bool signed = false) => ReportText.Fixed(value, 2, signed) + " dB";

    private static double PeakOf(ReadOnlySpan<float> samples)
    {
        double peak = 0;
        foreach (float sample in samples) peak = Math.Max(peak, Math.Abs(sample));
        return peak;
    }
}
