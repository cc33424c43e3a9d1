using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cluster.Speech.Data;

namespace Cluster.Speech.Validation;

/// <summary>
/// The outcome of validating a manifest: every issue of every item in manifest order, counts per kind, the ids to
/// quarantine, and what the data holds. Written as JSON for tools, as a quarantine list for data loaders, and as a
/// table for the person starting the job.
/// </summary>
public sealed class ValidationReport
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <param name="source">The manifest, in words (its <c>Source</c>).</param>
    /// <param name="issues">In manifest order; the quarantine list keeps their order.</param>
    /// <param name="skippedChecks">Checks that could not run, with the reason, so a clean report is not mistaken for
    /// one that checked everything.</param>
    public ValidationReport(string source, ValidationSummary summary, IEnumerable<ValidationIssue> issues, IEnumerable<string>? skippedChecks = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(issues);
        ValidationIssue[] list = [.. issues];
        foreach (ValidationIssue issue in list) ArgumentNullException.ThrowIfNull(issue, nameof(issues));
        string[] quarantine = [.. list.Where(issue => issue.IsBlocking).Select(issue => issue.ItemId).Distinct(StringComparer.Ordinal)];
        if (quarantine.Length > summary.Items)
            throw new ArgumentException($"{quarantine.Length} items have blocking issues but the summary counts {summary.Items} items", nameof(issues));

        Source = source;
        Summary = summary;
        Issues = list.AsReadOnly();
        Counts = new SortedDictionary<IssueKind, int>(
            Enum.GetValues<IssueKind>().ToDictionary(kind => kind, kind => list.Count(issue => issue.Kind == kind)));
        QuarantineList = quarantine.AsReadOnly();
        SkippedChecks = (skippedChecks?.ToArray() ?? []).AsReadOnly();
    }

    public string Source { get; }

    public ValidationSummary Summary { get; }

    public IReadOnlyList<ValidationIssue> Issues { get; }

    /// <summary>Issues of each kind, every kind listed (0 when none); a pair can have one per recording.</summary>
    public IReadOnlyDictionary<IssueKind, int> Counts { get; }

    /// <summary>Ids of the items with a blocking issue, in manifest order: what the data loader skips.</summary>
    public IReadOnlyList<string> QuarantineList { get; }

    /// <summary>The quarantined fraction of the items (0 for an empty manifest).</summary>
    public double BadFraction => Summary.Items == 0 ? 0 : (double)QuarantineList.Count / Summary.Items;

    public IReadOnlyList<string> SkippedChecks { get; }

    public bool ShouldRefuseTraining(ValidationPolicy policy) => RefusalReason(policy) is not null;

    /// <summary>Why training must not start on this data; null when it may. See <see cref="ValidationPolicy"/>.</summary>
    public string? RefusalReason(ValidationPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        return policy.RefusalReason(this);
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        WriteJson(buffer);
        return Utf8NoBom.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes <see cref="ToJson"/> atomically (temporary file renamed into place).</summary>
    public void WriteJson(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, WriteJson);
    }

    /// <summary>Writes <see cref="QuarantineList"/>, one id per line, atomically.</summary>
    /// <exception cref="InvalidOperationException">An id holds a line break, which would split it into two wrong ids.</exception>
    public void WriteQuarantine(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string? broken = QuarantineList.FirstOrDefault(id => id.AsSpan().IndexOfAny('\n', '\r') >= 0);
        if (broken is not null)
            throw new InvalidOperationException($"item id '{broken}' holds a line break, so a one-id-per-line quarantine file cannot list it");
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8NoBom, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
            foreach (string id in QuarantineList) writer.WriteLine(id);
        });
    }

    /// <summary>A terminal table: one row per issue kind with its count and example files, then the summary.</summary>
    public void RenderTable(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ReportTable.Render(this, writer);
    }

    private void WriteJson(Stream stream)
    {
        // Relaxed escaping keeps Chinese paths and transcripts readable instead of \u-escaping every character.
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("source", Source);
        json.WriteNumber("items", Summary.Items);
        json.WriteNumber("hours", Summary.Hours);
        WriteHistogram(json, "sampleRates", Summary.SampleRates);
        WriteHistogram(json, "channels", Summary.Channels);
        json.WriteStartObject("counts");
        foreach ((IssueKind kind, int count) in Counts) json.WriteNumber(kind.ToString(), count);
        json.WriteEndObject();
        json.WriteNumber("quarantined", QuarantineList.Count);
        json.WriteNumber("badFraction", BadFraction);
        json.WriteStartArray("skippedChecks");
        foreach (string check in SkippedChecks) json.WriteStringValue(check);
        json.WriteEndArray();
        json.WriteStartArray("quarantine");
        foreach (string id in QuarantineList) json.WriteStringValue(id);
        json.WriteEndArray();
        json.WriteStartArray("issues");
        foreach (ValidationIssue issue in Issues)
        {
            json.WriteStartObject();
            json.WriteString("id", issue.ItemId);
            json.WriteString("path", issue.Path);
            json.WriteString("kind", issue.Kind.ToString());
            json.WriteBoolean("blocking", issue.IsBlocking);
            json.WriteString("detail", issue.Detail);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteHistogram(Utf8JsonWriter json, string name, IReadOnlyDictionary<int, int> histogram)
    {
        json.WriteStartObject(name);
        foreach ((int key, int count) in histogram) json.WriteNumber(key.ToString(System.Globalization.CultureInfo.InvariantCulture), count);
        json.WriteEndObject();
    }
}
