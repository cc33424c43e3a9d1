using System.Text.Json;
using Cluster.Speech.Tests.Data;
using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

public sealed class ValidationReportTests
{
    [Fact]
    public void Quarantine_keeps_issue_order_lists_each_item_once_and_leaves_warnings_out()
    {
        ValidationReport report = Reports.With(10,
            ("b", IssueKind.Silent), ("a", IssueKind.Clipped), ("c", IssueKind.Unreadable), ("b", IssueKind.EmptyTranscript), ("a", IssueKind.TooLong));

        Assert.Equal(["b", "c", "a"], report.QuarantineList);
        Assert.Equal(0.3, report.BadFraction, 12);
        Assert.Equal(Enum.GetValues<IssueKind>(), report.Counts.Keys);
        Assert.Equal(1, report.Counts[IssueKind.Clipped]);
        Assert.Equal(0, report.Counts[IssueKind.LengthMismatch]);
    }

    [Fact]
    public void Files_are_written_whole_and_in_place()
    {
        using var folder = new TempDirectory();
        ValidationReport report = Reports.With(3, ("x", IssueKind.Silent), ("y", IssueKind.Clipped));
        string json = folder.Combine("report.json"), quarantine = folder.Combine("quarantine.txt");
        File.WriteAllText(json, "an older report");

        report.WriteJson(json);
        report.WriteQuarantine(quarantine);

        Assert.Equal(report.ToJson(), File.ReadAllText(json));
        Assert.Equal("x\n", File.ReadAllText(quarantine));
        Assert.Equal(["quarantine.txt", "report.json"], Directory.GetFiles(folder.Root).Select(Path.GetFileName).Order());
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(json));
        Assert.Equal("test manifest", document.RootElement.GetProperty("source").GetString());
        Assert.Equal(1.5, document.RootElement.GetProperty("hours").GetDouble());
    }

    [Fact]
    public void An_id_with_a_line_break_cannot_go_into_a_quarantine_file()
    {
        using var folder = new TempDirectory();
        ValidationReport report = Reports.With(1, ("two\nlines", IssueKind.Silent));

        var error = Assert.Throws<InvalidOperationException>(() => report.WriteQuarantine(folder.Combine("quarantine.txt")));

        Assert.Contains("holds a line break", error.Message);
        Assert.Empty(Directory.GetFiles(folder.Root));
    }

    [Fact]
    public void More_quarantined_items_than_items_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => Reports.With(1, ("a", IssueKind.Silent), ("b", IssueKind.Silent)));

        Assert.Contains("2 items have blocking issues but the summary counts 1 items", error.Message);
    }

    [Fact]
    public void Table_examples_stop_at_three_and_markup_in_names_is_printed_as_is()
    {
        ValidationReport report = Reports.With(10, [.. Reports.Many(5, IssueKind.Silent, "[red]quiet")]);
        var output = new StringWriter();

        report.RenderTable(output);

        Assert.Contains("[red]quiet0.wav, [red]quiet1.wav, [red]quiet2.wav, … 2 more", output.ToString());
    }
}
