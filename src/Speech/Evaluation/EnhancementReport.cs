using System.Globalization;
using System.Text;
using System.Text.Json;
using Cluster.Speech.Data;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// The outcome of an <see cref="EnhancementEvaluation"/>: per-pair scores, their summary, the best and worst pairs by
/// SI-SNRi with their audio, and warnings about results that point at a bug rather than at the model.
/// </summary>
public sealed class EnhancementReport
{
    public const string CsvFileName = "utterances.csv";
    public const string MarkdownFileName = "summary.md";
    public const string JsonFileName = "summary.json";
    public const string PlotFolder = "plots";

    // Speech mixed at any SNR a corpus uses keeps a positive correlation with its clean reference; below this the
    // pairs are not mixtures of their references at all (misaligned, swapped or mis-scaled data: the -35 dB case).
    private const double UnrelatedMixtureDb = -20;

    // SI-SNR ignores the output's level and SNR does not; a wide gap means the right waveform at the wrong scale,
    // e.g. the mixture's std not multiplied back after the model.
    private const double LevelGapDb = 10;

    internal EnhancementReport(string source, int sampleRate, IReadOnlyList<EnhancementResult> results,
        IReadOnlyList<EnhancementExample> best, IReadOnlyList<EnhancementExample> worst)
    {
        Source = source;
        SampleRate = sampleRate;
        Results = results;
        Best = best;
        Worst = worst;
        SiSnrNoisy = MetricSummary.Of(results.Select(r => r.SiSnrNoisy));
        SiSnrEnhanced = MetricSummary.Of(results.Select(r => r.SiSnrEnhanced));
        SiSnrImprovement = MetricSummary.Of(results.Select(r => r.SiSnrImprovement));
        SnrEnhanced = MetricSummary.Of(results.Select(r => r.SnrEnhanced));
        Warnings = [.. Warn()];
    }

    /// <summary>The manifest evaluated.</summary>
    public string Source { get; }

    /// <summary>The rate the pairs were read and scored at.</summary>
    public int SampleRate { get; }

    /// <summary>Every pair, in manifest order.</summary>
    public IReadOnlyList<EnhancementResult> Results { get; }

    public MetricSummary SiSnrNoisy { get; }

    public MetricSummary SiSnrEnhanced { get; }

    public MetricSummary SiSnrImprovement { get; }

    public MetricSummary SnrEnhanced { get; }

    /// <summary>The pairs with the highest SI-SNRi, best first.</summary>
    public IReadOnlyList<EnhancementExample> Best { get; }

    /// <summary>The pairs with the lowest SI-SNRi, worst first.</summary>
    public IReadOnlyList<EnhancementExample> Worst { get; }

    /// <summary>Findings that usually mean broken data or a broken pipeline, in words.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The plot's path inside the report folder, e.g. "plots/worst-01-p232_001.png".</summary>
    internal static string PlotPath(string ranking, int rank, string id)
    {
        // Ids can be relative paths or hold characters file systems reject; the rank keeps sanitized names unique.
        var name = new StringBuilder(ranking).Append('-').Append(rank.ToString("00", CultureInfo.InvariantCulture)).Append('-');
        foreach (char c in id.Length > 80 ? id[..80] : id) name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        return PlotFolder + "/" + name.Append(".png");
    }

    /// <summary>
    /// Writes <see cref="CsvFileName"/>, a PNG per best and worst pair under <see cref="PlotFolder"/>,
    /// <see cref="MarkdownFileName"/> and, last, <see cref="JsonFileName"/> into <paramref name="folder"/> (created if
    /// missing). Each file appears atomically and the JSON summary only after the rest, so a folder holding it holds
    /// the whole report.
    /// </summary>
    public void Write(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(Path.Combine(folder, PlotFolder));
        ReportText.WriteUtf8(Path.Combine(folder, CsvFileName), ToCsv());
        foreach ((string ranking, IReadOnlyList<EnhancementExample> examples) in Rankings())
        {
            for (int i = 0; i < examples.Count; i++)
            {
                byte[] png = EnhancementPlot.Render(examples[i], $"{ranking} {i + 1} of {examples.Count}", SampleRate);
                AtomicFile.Write(Path.Combine(folder, PlotPath(ranking, i + 1, examples[i].Result.Id)), stream => stream.Write(png));
            }
        }

        ReportText.WriteUtf8(Path.Combine(folder, MarkdownFileName), ToMarkdown());
        ReportText.WriteJson(Path.Combine(folder, JsonFileName), WriteJson);
    }

    /// <summary>One record per pair: id, si_snr_noisy, si_snr_enhanced, si_snri, snr_enhanced (dB).</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder();
        ReportText.AppendCsvRecord(csv, "id", "si_snr_noisy", "si_snr_enhanced", "si_snri", "snr_enhanced");
        foreach (EnhancementResult r in Results)
        {
            ReportText.AppendCsvRecord(csv, r.Id, ReportText.Number(r.SiSnrNoisy), ReportText.Number(r.SiSnrEnhanced),
                ReportText.Number(r.SiSnrImprovement), ReportText.Number(r.SnrEnhanced));
        }

        return csv.ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append("# Enhancement evaluation: ").AppendLine(ReportText.MarkdownInline(Source)).AppendLine();
        md.Append(ReportText.Integer(Results.Count)).AppendLine(" pairs at 16 kHz. SI-SNR is scale-invariant (zero-mean, ESPnet's definition); SNR also counts a wrong output level.").AppendLine();
        md.AppendLine("| metric (dB) | mean | std | median |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach ((string name, MetricSummary summary) in Metrics())
        {
            md.Append("| ").Append(name)
                .Append(" | ").Append(ReportText.Fixed(summary.Mean, 2))
                .Append(" | ").Append(ReportText.Fixed(summary.StandardDeviation, 2))
                .Append(" | ").Append(ReportText.Fixed(summary.Median, 2)).AppendLine(" |");
        }

        if (Warnings.Count > 0)
        {
            md.AppendLine().AppendLine("## Warnings").AppendLine();
            foreach (string warning in Warnings) md.Append("- ").AppendLine(warning);
        }

        foreach ((string ranking, IReadOnlyList<EnhancementExample> examples) in Rankings())
        {
            md.AppendLine().Append("## ").Append(ranking == "best" ? "Best " : "Worst ").Append(ReportText.Integer(examples.Count)).AppendLine(" by SI-SNRi").AppendLine();
            md.AppendLine("| rank | id | SI-SNR noisy | SI-SNR enhanced | SI-SNRi | SNR enhanced | plot |");
            md.AppendLine("|---:|---|---:|---:|---:|---:|---|");
            for (int i = 0; i < examples.Count; i++)
            {
                EnhancementResult r = examples[i].Result;
                md.Append("| ").Append(ReportText.Integer(i + 1))
                    .Append(" | ").Append(ReportText.MarkdownInline(r.Id))
                    .Append(" | ").Append(ReportText.Fixed(r.SiSnrNoisy, 2))
                    .Append(" | ").Append(ReportText.Fixed(r.SiSnrEnhanced, 2))
                    .Append(" | ").Append(ReportText.Fixed(r.SiSnrImprovement, 2, signed: true))
                    .Append(" | ").Append(ReportText.Fixed(r.SnrEnhanced, 2))
                    .Append(" | [png](").Append(PlotPath(ranking, i + 1, r.Id)).AppendLine(") |");
            }
        }

        return md.ToString();
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ReportText.JsonOptions)) WriteJson(json);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private (string Name, MetricSummary Summary)[] Metrics() =>
    [
        ("si_snr_noisy", SiSnrNoisy),
        ("si_snr_enhanced", SiSnrEnhanced),
        ("si_snri", SiSnrImprovement),
        ("snr_enhanced", SnrEnhanced),
    ];

    private (string Ranking, IReadOnlyList<EnhancementExample> Examples)[] Rankings() => [("best", Best), ("worst", Worst)];

    private IEnumerable<string> Warn()
    {
        if (Results.Count == 0) yield break;
        if (SiSnrNoisy.Median < UnrelatedMixtureDb)
            yield return $"median SI-SNR of the noisy input against its clean reference is {ReportText.Fixed(SiSnrNoisy.Median, 1)} dB: "
                + "the pairs do not look like mixtures of their references (misaligned, swapped or mis-scaled data)";
        double gap = MetricSummary.Of(Results.Select(r => r.SiSnrEnhanced - r.SnrEnhanced)).Median;
        if (gap > LevelGapDb)
            yield return $"median SNR of the output is {ReportText.Fixed(gap, 1)} dB below its SI-SNR: "
                + "the output has the right shape at the wrong level (a scaling bug, e.g. the input's std not restored)";
        if (SiSnrImprovement.Mean < 0)
            yield return $"mean SI-SNRi is {ReportText.Fixed(SiSnrImprovement.Mean, 2)} dB: the output is further from the clean speech than the input was";
    }

    private void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("source", Source);
        json.WriteNumber("count", Results.Count);
        json.WriteStartObject("metrics");
        foreach ((string name, MetricSummary summary) in Metrics())
        {
            json.WriteStartObject(name);
            json.WriteNumber("count", summary.Count);
            WriteNumber(json, "mean", summary.Mean);
            WriteNumber(json, "std", summary.StandardDeviation);
            WriteNumber(json, "median", summary.Median);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        foreach ((string ranking, IReadOnlyList<EnhancementExample> examples) in Rankings())
        {
            json.WriteStartArray(ranking);
            for (int i = 0; i < examples.Count; i++)
            {
                EnhancementResult r = examples[i].Result;
                json.WriteStartObject();
                json.WriteString("id", r.Id);
                json.WriteNumber("si_snr_noisy", r.SiSnrNoisy);
                json.WriteNumber("si_snr_enhanced", r.SiSnrEnhanced);
                json.WriteNumber("si_snri", r.SiSnrImprovement);
                json.WriteNumber("snr_enhanced", r.SnrEnhanced);
                json.WriteString("plot", PlotPath(ranking, i + 1, r.Id));
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteStartArray("warnings");
        foreach (string warning in Warnings) json.WriteStringValue(warning);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    // JSON has no NaN; an empty set's statistics are null.
    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value)) json.WriteNumber(name, value);
        else json.WriteNull(name);
    }
}
