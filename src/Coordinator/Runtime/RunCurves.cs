using System.Text.Json;
using Cluster.Speech.Plotting;
using ScottPlot;
using SkiaSharp;

namespace Cluster.Coordinator.Runtime;

/// <summary>
/// A run's curves as PNG, drawn from its own records when the job ends: <see cref="LossFile"/> (the training loss at
/// each standing step, the mean of the ranks' losses, from <see cref="CommitsFile"/>) and <see cref="EvalFile"/> (each
/// evaluation metric over the steps, one panel per metric, from <see cref="EvaluationsFile"/>). A curve with no point
/// to draw is not written. Both are drawn anew from the whole record, so a resumed run's curves cover all of it.
/// </summary>
public static class RunCurves
{
    public const string CommitsFile = "commits.jsonl";
    public const string EvaluationsFile = "evaluations.jsonl";
    public const string LossFile = "loss.png";
    public const string EvalFile = "eval.png";

    public const int Width = 1000;
    public const int LossHeight = 500;
    public const int PanelHeight = 280;
    private const int HeaderHeight = 40;

    // Past this many steps a moving mean is drawn over the raw curve, which is then too noisy to read by itself.
    private const int SmoothFrom = 50;

    private static readonly Color Raw = new(150, 180, 220);
    private static readonly Color Line = new(31, 90, 180);

    /// <summary>Writes the curves the records in <paramref name="runDirectory"/> have points for; returns their paths.</summary>
    public static IReadOnlyList<string> Write(string runDirectory, string jobName)
    {
        var written = new List<string>();
        string commits = Path.Combine(runDirectory, CommitsFile);
        IReadOnlyList<(long Step, double Value)> losses = File.Exists(commits) ? Losses(File.ReadLines(commits)) : [];
        if (losses.Count > 0) written.Add(Save(Path.Combine(runDirectory, LossFile), LossPng(jobName, losses)));

        string evaluations = Path.Combine(runDirectory, EvaluationsFile);
        IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> metrics =
            File.Exists(evaluations) ? Metrics(File.ReadLines(evaluations)) : new Dictionary<string, IReadOnlyList<(long, double)>>();
        if (metrics.Count > 0) written.Add(Save(Path.Combine(runDirectory, EvalFile), EvalPng(jobName, metrics)));
        return written;
    }

    /// <summary>
    /// The mean loss of the ranks at each step that stands, from the lines of <see cref="CommitsFile"/>. Commits not
    /// current when they arrived never counted; a new generation redoes the steps from its first one on, so those of
    /// the generation before are dropped; lines without a finite loss (an adopted checkpoint's) carry no point.
    /// </summary>
    public static IReadOnlyList<(long Step, double Value)> Losses(IEnumerable<string> commitLines)
    {
        ArgumentNullException.ThrowIfNull(commitLines);
        var standing = new Dictionary<(long Step, int Rank), double>();
        long? generation = null;
        foreach (string line in commitLines)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            if (!root.GetProperty("current").GetBoolean()) continue;
            long step = root.GetProperty("step").GetInt64();
            long lineGeneration = root.GetProperty("generation").GetInt64();
            if (lineGeneration != generation)
            {
                generation = lineGeneration;
                foreach ((long Step, int Rank) key in standing.Keys.Where(k => k.Step >= step).ToList()) standing.Remove(key);
            }

            standing[(step, root.GetProperty("rank").GetInt32())] = root.TryGetProperty("loss", out JsonElement loss)
                && loss.ValueKind == JsonValueKind.Number ? loss.GetDouble() : double.NaN;
        }

        return [.. standing.Where(entry => double.IsFinite(entry.Value))
            .GroupBy(entry => entry.Key.Step, entry => entry.Value)
            .OrderBy(group => group.Key)
            .Select(group => (group.Key, group.Average()))];
    }

    /// <summary>Each metric's finite values by step, from the lines of <see cref="EvaluationsFile"/>; a step evaluated
    /// again (after a rollback) keeps its latest value.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> Metrics(IEnumerable<string> evaluationLines)
    {
        ArgumentNullException.ThrowIfNull(evaluationLines);
        var byMetric = new SortedDictionary<string, SortedDictionary<long, double>>(StringComparer.Ordinal);
        foreach (string line in evaluationLines)
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            long step = document.RootElement.GetProperty("step").GetInt64();
            foreach (JsonProperty metric in document.RootElement.GetProperty("metrics").EnumerateObject())
            {
                if (!byMetric.TryGetValue(metric.Name, out SortedDictionary<long, double>? values)) byMetric[metric.Name] = values = [];
                if (metric.Value.ValueKind == JsonValueKind.Number && double.IsFinite(metric.Value.GetDouble())) values[step] = metric.Value.GetDouble();
                else values.Remove(step);
            }
        }

        return byMetric.Where(metric => metric.Value.Count > 0)
            .ToDictionary(metric => metric.Key, metric => (IReadOnlyList<(long, double)>)[.. metric.Value.Select(v => (v.Key, v.Value))], StringComparer.Ordinal);
    }

    internal static byte[] LossPng(string jobName, IReadOnlyList<(long Step, double Value)> losses)
    {
        using var plot = new Plot();
        double[] steps = [.. losses.Select(p => (double)p.Step)];
        double[] values = [.. losses.Select(p => p.Value)];
        if (losses.Count > SmoothFrom)
        {
            plot.Add.ScatterLine(steps, values, Raw).LegendText = "per step";
            int window = Math.Max(3, losses.Count / 25) | 1;
            plot.Add.ScatterLine(steps, MovingMean(values, window), Line).LegendText = $"moving mean of {window} steps";
            plot.ShowLegend(Alignment.UpperRight);
        }
        else
        {
            plot.Add.Scatter(steps, values, Line);
        }

        plot.Title($"{jobName}: training loss ({losses.Count} steps)", 16);
        plot.XLabel("step", 13);
        plot.YLabel("loss (mean of the ranks)", 13);
        return Figure.Png(plot, Width, LossHeight);
    }

    internal static byte[] EvalPng(string jobName, IReadOnlyDictionary<string, IReadOnlyList<(long Step, double Value)>> metrics)
    {
        // One step axis for every panel, so the same step is at the same place in each.
        long firstStep = metrics.Values.Min(points => points[0].Step), lastStep = metrics.Values.Max(points => points[^1].Step);
        double margin = Math.Max(1, (lastStep - firstStep) * 0.03);
        var plots = new List<Plot>();
        try
        {
            foreach ((string name, IReadOnlyList<(long Step, double Value)> points) in metrics.OrderBy(m => m.Key, StringComparer.Ordinal))
            {
                var plot = new Plot();
                plots.Add(plot);
                double[] steps = [.. points.Select(p => (double)p.Step)];
                double[] values = [.. points.Select(p => p.Value)];
                ScottPlot.Plottables.Scatter scatter = plot.Add.Scatter(steps, values, Line);
                scatter.MarkerSize = 7;
                (long latestStep, double latest) = points[^1];
                plot.Title($"{name}: {latest:G4} at step {latestStep}", 14);
                plot.Axes.AutoScale();
                plot.Axes.SetLimitsX(firstStep - margin, lastStep + margin);
                plot.XLabel("step", 12);
                plot.YLabel(name, 12);
            }

            return Figure.Png(Width, HeaderHeight + PanelHeight * plots.Count, canvas =>
            {
                Figure.Text(canvas, $"{jobName}: evaluations", 16, 28, 18, Figure.Ink, bold: true);
                for (int i = 0; i < plots.Count; i++)
                    Figure.Place(canvas, plots[i], new SKRectI(0, HeaderHeight + i * PanelHeight, Width, HeaderHeight + (i + 1) * PanelHeight));
            });
        }
        finally
        {
            foreach (Plot plot in plots) plot.Dispose();
        }
    }

    /// <summary>The mean of the <paramref name="window"/> values centred on each (fewer at the ends).</summary>
    private static double[] MovingMean(double[] values, int window)
    {
        var means = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int first = Math.Max(0, i - window / 2), last = Math.Min(values.Length, i + window / 2 + 1);
            double sum = 0;
            for (int j = first; j < last; j++) sum += values[j];
            means[i] = sum / (last - first);
        }

        return means;
    }

    private static string Save(string path, byte[] png)
    {
        // Atomic, like status.json: a reader sees no curve or a whole one.
        File.WriteAllBytes(path + ".tmp", png);
        File.Move(path + ".tmp", path, overwrite: true);
        return path;
    }
}
