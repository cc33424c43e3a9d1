using System.Globalization;
using Cluster.Speech.Imaging;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// One pair as a picture: rows noisy / enhanced / clean, columns waveform / spectrogram, with the SI-SNR numbers in
/// the labels. The three waveforms share one amplitude scale and the three spectrograms one dB scale (80 dB below
/// the loudest bin of all three), so a level or noise difference between rows shows as a visual difference.
/// </summary>
internal static class EnhancementPlot
{
    public const int Width = 1280;
    public const int Height = 716;

    private const double DynamicRangeDb = 80;
    private const int Left = 64;
    private const int PanelWidth = 560;
    private const int PanelHeight = 150;
    private const int SpectrogramLeft = Left + PanelWidth + 72;
    private const int FirstRowTop = 66;
    private const int RowHeight = 204;
    private const int LabelHeight = 22;

    private static readonly Rgb Background = Rgb.White;
    private static readonly Rgb Ink = new(30, 30, 30);
    private static readonly Rgb Muted = new(110, 110, 110);
    private static readonly Rgb PanelFill = new(246, 246, 246);
    private static readonly Rgb Frame = new(170, 170, 170);

    /// <param name="heading">What the pair is in the report, e.g. "worst 1 of 5"; the id follows it.</param>
    public static Canvas Render(EnhancementExample example, string heading, int sampleRate)
    {
        EnhancementResult r = example.Result;
        var canvas = new Canvas(Width, Height, Background);
        canvas.DrawText(Left, 10, $"{heading}: {r.Id}", Ink, scale: 2);
        canvas.DrawText(Left, 34,
            $"SI-SNR noisy {Db(r.SiSnrNoisy)}   enhanced {Db(r.SiSnrEnhanced)}   SI-SNRi {Db(r.SiSnrImprovement, signed: true)}   SNR enhanced {Db(r.SnrEnhanced)}",
            Ink);
        canvas.DrawText(Left, 52, "waveform (shared amplitude scale)", Muted);
        canvas.DrawText(SpectrogramLeft, 52, $"spectrogram 0-8 kHz, dB (STFT {Spectrogram.FftSize}/{Spectrogram.Hop}, Hann)", Muted);

        (string Label, Rgb Color, ReadOnlyMemory<float> Samples)[] rows =
        [
            ($"NOISY (input)   SI-SNR {Db(r.SiSnrNoisy)}", new Rgb(204, 85, 0), example.Noisy),
            ($"ENHANCED   SI-SNR {Db(r.SiSnrEnhanced)}   SI-SNRi {Db(r.SiSnrImprovement, signed: true)}", new Rgb(31, 90, 180), example.Enhanced),
            ("CLEAN (reference)", new Rgb(30, 130, 60), example.Clean),
        ];

        double peak = rows.Max(row => PeakOf(row.Samples.Span));
        Spectrogram[] spectrograms = [.. rows.Select(row => Spectrogram.Compute(row.Samples.Span))];
        double top = spectrograms.Max(s => s.Max);
        double seconds = (double)example.Clean.Length / sampleRate;
        for (int i = 0; i < rows.Length; i++)
        {
            int y = FirstRowTop + i * RowHeight;
            canvas.DrawText(Left, y, rows[i].Label, rows[i].Color, scale: 2);
            int panelTop = y + LabelHeight;
            DrawWaveform(canvas, rows[i].Samples.Span, peak, rows[i].Color, panelTop);
            DrawSpectrogram(canvas, spectrograms[i], top, panelTop);
            DrawTimeAxis(canvas, Left, panelTop + PanelHeight, seconds);
            DrawTimeAxis(canvas, SpectrogramLeft, panelTop + PanelHeight, seconds);
        }

        DrawColorBar(canvas, FirstRowTop + rows.Length * RowHeight);
        return canvas;
    }

    private static void DrawWaveform(Canvas canvas, ReadOnlySpan<float> samples, double peak, Rgb color, int top)
    {
        canvas.FillRect(Left, top, PanelWidth, PanelHeight, PanelFill);
        int middle = top + PanelHeight / 2;
        canvas.DrawLine(Left, middle, Left + PanelWidth - 1, middle, Frame);
        // A column per pixel from its lowest to its highest sample: every peak stays visible however long the clip.
        double scale = peak > 0 ? (PanelHeight / 2 - 2) / peak : 0;
        for (int x = 0; x < PanelWidth && samples.Length > 0; x++)
        {
            int start = (int)((long)x * samples.Length / PanelWidth);
            int end = Math.Max(start + 1, (int)((long)(x + 1) * samples.Length / PanelWidth));
            float low = float.MaxValue, high = float.MinValue;
            foreach (float sample in samples[start..Math.Min(end, samples.Length)])
            {
                low = Math.Min(low, sample);
                high = Math.Max(high, sample);
            }

            canvas.DrawLine(Left + x, middle - (int)Math.Round(high * scale), Left + x, middle - (int)Math.Round(low * scale), color);
        }

        canvas.DrawRect(Left, top, PanelWidth, PanelHeight, Frame);
        string amplitude = peak.ToString("0.00", CultureInfo.InvariantCulture);
        RightAligned(canvas, Left - 4, top, "+" + amplitude);
        RightAligned(canvas, Left - 4, middle - Canvas.TextHeight / 2, "0");
        RightAligned(canvas, Left - 4, top + PanelHeight - Canvas.TextHeight, "-" + amplitude);
    }

    private static void DrawSpectrogram(Canvas canvas, Spectrogram spectrogram, double top, int panelTop)
    {
        // Each pixel shows the loudest cell it covers (or the nearest one, where cells are larger than pixels), so
        // a thin harmonic or a short click is not lost between sampled cells.
        var columns = new float[PanelWidth * spectrogram.Bins];
        for (int x = 0; x < PanelWidth; x++)
        {
            (int first, int last) = Cover(x, PanelWidth, spectrogram.Frames);
            for (int bin = 0; bin < spectrogram.Bins; bin++)
            {
                float loudest = float.MinValue;
                for (int frame = first; frame < last; frame++) loudest = Math.Max(loudest, spectrogram[bin, frame]);
                columns[x * spectrogram.Bins + bin] = loudest;
            }
        }

        var image = new Canvas(PanelWidth, PanelHeight, Rgb.Black);
        for (int row = 0; row < PanelHeight; row++)
        {
            // Row 0 is the top of the panel, the highest frequency.
            (int first, int last) = Cover(PanelHeight - 1 - row, PanelHeight, spectrogram.Bins);
            for (int x = 0; x < PanelWidth; x++)
            {
                float loudest = float.MinValue;
                for (int bin = first; bin < last; bin++) loudest = Math.Max(loudest, columns[x * spectrogram.Bins + bin]);
                image.SetPixel(x, row, Viridis.At((loudest - (top - DynamicRangeDb)) / DynamicRangeDb));
            }
        }

        canvas.Blit(image, SpectrogramLeft, panelTop);
        canvas.DrawRect(SpectrogramLeft, panelTop, PanelWidth, PanelHeight, Frame);
        RightAligned(canvas, SpectrogramLeft - 4, panelTop, "8k");
        RightAligned(canvas, SpectrogramLeft - 4, panelTop + PanelHeight / 2 - Canvas.TextHeight / 2, "4k");
        RightAligned(canvas, SpectrogramLeft - 4, panelTop + PanelHeight - Canvas.TextHeight, "0 Hz");
    }

    /// <summary>The cells [first, last) of <paramref name="cells"/> that pixel <paramref name="pixel"/> of
    /// <paramref name="pixels"/> covers; at least one.</summary>
    private static (int First, int Last) Cover(int pixel, int pixels, int cells)
    {
        int first = (int)((long)pixel * cells / pixels);
        int last = (int)((long)(pixel + 1) * cells / pixels);
        return (Math.Min(first, cells - 1), Math.Max(last, Math.Min(first, cells - 1) + 1));
    }

    private static void DrawTimeAxis(Canvas canvas, int left, int y, double seconds)
    {
        double step = TickStep(seconds);
        for (int tick = 0; tick * step <= seconds + 1e-9; tick++)
        {
            double time = tick * step;
            int x = left + (int)Math.Round(time / Math.Max(seconds, 1e-9) * (PanelWidth - 1));
            canvas.DrawLine(x, y, x, y + 3, Frame);
            string label = time.ToString(step < 1 ? "0.0" : "0", CultureInfo.InvariantCulture) + "s";
            int width = Canvas.TextWidth(label);
            canvas.DrawText(Math.Clamp(x - width / 2, left, left + PanelWidth - width), y + 6, label, Muted);
        }
    }

    /// <summary>A round step that puts at most about ten ticks on the axis.</summary>
    private static double TickStep(double seconds)
    {
        foreach (double step in (double[])[0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600])
            if (seconds / step <= 10) return step;
        return Math.Ceiling(seconds / 10 / 600) * 600;
    }

    private static void DrawColorBar(Canvas canvas, int y)
    {
        const int barHeight = 10;
        for (int x = 0; x < PanelWidth; x++)
            canvas.DrawLine(SpectrogramLeft + x, y, SpectrogramLeft + x, y + barHeight - 1, Viridis.At((double)x / (PanelWidth - 1)));
        canvas.DrawRect(SpectrogramLeft, y, PanelWidth, barHeight, Frame);
        canvas.DrawText(SpectrogramLeft, y + barHeight + 4, $"-{DynamicRangeDb:0} dB", Muted);
        string right = "0 dB = loudest bin of the three";
        canvas.DrawText(SpectrogramLeft + PanelWidth - Canvas.TextWidth(right), y + barHeight + 4, right, Muted);
    }

    private static void RightAligned(Canvas canvas, int right, int y, string text) =>
        canvas.DrawText(right - Canvas.TextWidth(text), y, text, Muted);

    private static string Db(double value, bool signed = false) => ReportText.Fixed(value, 2, signed) + " dB";

    private static double PeakOf(ReadOnlySpan<float> samples)
    {
        double peak = 0;
        foreach (float sample in samples) peak = Math.Max(peak, Math.Abs(sample));
        return peak;
    }
}
