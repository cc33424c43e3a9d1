using System.Globalization;
using System.Text;

namespace Cluster.Bench.Learning;

/// <summary>
/// bench/results/learning.md: a section per model and a RESULT line per model. A run of some of the models replaces
/// their sections and lines and keeps the others' (with any notes written into them) as they were.
/// </summary>
public static class LearningReport
{
    private const string Title = "# Learning checks";

    public static string Merge(string? existing, IReadOnlyList<LearningResult> results)
    {
        var sections = new List<(string Heading, string Body)>();
        var resultLines = new List<string>();
        var preamble = $"CPU only, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}; produced by `bench/learning/run.sh`. Each model trains from scratch for a fixed time budget and is scored on held-out data.";
        if (existing is not null) Parse(existing, sections, resultLines, ref preamble);
        foreach (var result in results)
        {
            var heading = $"## {result.Name}";
            var body = new StringBuilder();
            body.AppendLine(CultureInfo.InvariantCulture, $"- {result.Metric}: **{result.Value:0.###}** (target {result.Target}: {(result.Met ? "met" : "NOT met")}) after {result.Steps} steps in {result.Minutes:F1} min");
            foreach (var line in result.Details) body.AppendLine($"- {line}");
            var index = sections.FindIndex(s => s.Heading == heading);
            if (index >= 0) sections[index] = (heading, body.ToString());
            else sections.Add((heading, body.ToString()));
            var prefix = $"RESULT learning {ShortName(result)} ";
            var line2 = string.Create(CultureInfo.InvariantCulture, $"{prefix}{result.Metric.Replace(' ', '_')}={result.Value:0.###} met={result.Met.ToString().ToLowerInvariant()}");
            var lineIndex = resultLines.FindIndex(l => l.StartsWith(prefix, StringComparison.Ordinal));
            if (lineIndex >= 0) resultLines[lineIndex] = line2;
            else resultLines.Add(line2);
        }
        var text = new StringBuilder(Title).Append("\n\n").Append(preamble.Trim()).Append('\n');
        foreach (var (heading, body) in sections) text.Append('\n').Append(heading).Append("\n\n").Append(body.Trim()).Append('\n');
        text.Append('\n');
        foreach (var line in resultLines) text.Append(line).Append('\n');
        return text.ToString();
    }

    private static string ShortName(LearningResult result) => result.Name.Split(' ')[1].ToLowerInvariant();

    // Everything between the title and the first section is the preamble; a section runs to the next heading or to
    // the RESULT lines.
    private static void Parse(string existing, List<(string Heading, string Body)> sections, List<string> resultLines, ref string preamble)
    {
        var lines = existing.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var current = new StringBuilder();
        string? heading = null;
        void Close(ref string preambleText)
        {
            if (heading is null) { if (!string.IsNullOrWhiteSpace(current.ToString())) preambleText = current.ToString(); }
            else sections.Add((heading, current.ToString()));
            current.Clear();
        }
        foreach (var line in lines)
        {
            if (line.StartsWith(Title, StringComparison.Ordinal) && heading is null && current.Length == 0) continue;
            if (line.StartsWith("RESULT learning ", StringComparison.Ordinal))
            {
                resultLines.Add(line);
                continue;
            }
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                Close(ref preamble);
                heading = line;
                continue;
            }
            current.AppendLine(line);
        }
        Close(ref preamble);
    }
}
