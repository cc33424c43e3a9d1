using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Cluster.Speech.Validation;

/// <summary>The terminal form of a <see cref="ValidationReport"/>.</summary>
internal static class ReportTable
{
    private const int ExamplesPerKind = 3;

    public static void Render(ValidationReport report, TextWriter writer)
    {
        // No colour codes or cursor movement: the table mostly lands in job logs, and a real terminal reads it fine too.
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;

        var table = new Table { Title = new TableTitle($"validation of {Markup.Escape(report.Source)}") };
        table.AddColumn("issue");
        table.AddColumn("severity");
        table.AddColumn(new TableColumn("count").RightAligned());
        table.AddColumn("examples");
        foreach ((IssueKind kind, int count) in report.Counts)
        {
            table.AddRow(
                Plain($"{kind} ({kind.Describe()})"),
                Plain(kind.IsBlocking() ? "blocking" : "warning"),
                Plain(count.ToString(CultureInfo.InvariantCulture)),
                Plain(Examples(report.Issues.Where(issue => issue.Kind == kind).ToList())));
        }

        console.Write(table);
        ValidationSummary summary = report.Summary;
        console.Write(Plain($"items: {summary.Items}, audio: {summary.Hours.ToString("0.###", CultureInfo.InvariantCulture)} h\n"));
        console.Write(Plain($"sample rates: {Histogram(summary.SampleRates, " Hz")}\n"));
        console.Write(Plain($"channels: {Histogram(summary.Channels, " ch")}\n"));
        console.Write(Plain($"quarantined: {report.QuarantineList.Count} of {summary.Items} items "
            + $"({(report.BadFraction * 100).ToString("0.##", CultureInfo.InvariantCulture)}%)\n"));
        foreach (string check in report.SkippedChecks) console.Write(Plain($"skipped: {check}\n"));
    }

    // Text, not markup: file names may hold the brackets that markup treats as styles.
    private static IRenderable Plain(string text) => new Spectre.Console.Text(text);

    private static string Examples(IReadOnlyList<ValidationIssue> issues)
    {
        IEnumerable<string> names = issues.Take(ExamplesPerKind).Select(issue => Path.GetFileName(issue.Path));
        string more = issues.Count > ExamplesPerKind ? $", … {issues.Count - ExamplesPerKind} more" : "";
        return string.Join(", ", names) + more;
    }

    private static string Histogram(IReadOnlyDictionary<int, int> histogram, string unit) =>
        histogram.Count == 0 ? "none" : string.Join(", ", histogram.Select(entry => $"{entry.Key}{unit} × {entry.Value}"));
}
