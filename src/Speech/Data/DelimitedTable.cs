using System.Text;

namespace Cluster.Speech.Data;

/// <summary>
/// A CSV or TSV file with a header row, read record by record. Two dialects: Common Voice's TSV (tab-separated, no
/// quoting at all, because its sentences contain bare quote characters) and RFC 4180 CSV (comma-separated, fields
/// optionally in double quotes, "" for a quote, quoted fields may span lines).
/// </summary>
internal sealed class DelimitedTable : IDisposable
{
    private readonly string path;
    private readonly char delimiter;
    private readonly ProblemList problems;
    private readonly IEnumerator<(int Line, string[] Fields)> records;

    private DelimitedTable(string path, char delimiter, ProblemList problems,
        IEnumerator<(int Line, string[] Fields)> records, int headerLine, string[] columns)
    {
        this.path = path;
        this.delimiter = delimiter;
        this.problems = problems;
        this.records = records;
        HeaderLine = headerLine;
        Columns = columns;
    }

    public int HeaderLine { get; }

    public IReadOnlyList<string> Columns { get; }

    /// <summary>Reads the header; null (with the reason reported) when there is no usable one.</summary>
    public static DelimitedTable? Open(string path, char delimiter, bool quoted, ProblemList problems)
    {
        IEnumerator<(int Line, string[] Fields)> records =
            (quoted ? QuotedRecords(path, delimiter, problems) : PlainRecords(path, delimiter, problems)).GetEnumerator();
        if (!records.MoveNext())
        {
            records.Dispose();
            problems.Add(path, null, "the file is empty: expected a header row");
            return null;
        }

        (int headerLine, string[] columns) = records.Current;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        bool usable = true;
        foreach (string column in columns)
        {
            if (column.Length == 0 || !seen.Add(column))
            {
                problems.Add(path, headerLine, column.Length == 0 ? "the header has an empty column name" : $"the header names column '{column}' twice");
                usable = false;
            }
        }

        if (usable) return new DelimitedTable(path, delimiter, problems, records, headerLine, columns);
        records.Dispose();
        return null;
    }

    /// <summary>Reports each missing column once, at the header, rather than once per row.</summary>
    public bool RequireColumns(params ReadOnlySpan<string> required)
    {
        bool all = true;
        foreach (string column in required)
        {
            if (Columns.Contains(column)) continue;
            problems.Add(path, HeaderLine, $"missing column '{column}' (the header has: {string.Join(", ", Columns)})");
            all = false;
        }

        return all;
    }

    /// <summary>The data records; one with the wrong number of fields is reported and skipped.</summary>
    public IEnumerable<ManifestRow> Rows()
    {
        string separated = delimiter == '\t' ? "tab-separated" : $"'{delimiter}'-separated";
        while (records.MoveNext())
        {
            (int line, string[] fields) = records.Current;
            if (fields.Length != Columns.Count)
            {
                problems.Add(path, line, $"expected {Columns.Count} {separated} fields as in the header, found {fields.Length}");
                continue;
            }

            yield return new ManifestRow(path, line, Columns, fields, null, problems);
        }
    }

    public void Dispose() => records.Dispose();

    // A blank line holds no record, so skipping it loses nothing; it is skipped wherever it is, and line numbers still
    // count it so that reported lines match what an editor shows.
    private static IEnumerable<(int, string[])> PlainRecords(string path, char delimiter, ProblemList problems)
    {
        foreach (SourceLine line in SourceLines.Read(path, problems))
            if (!line.IsBlank) yield return (line.Number, line.Text.Split(delimiter));
    }

    private static IEnumerable<(int, string[])> QuotedRecords(string path, char delimiter, ProblemList problems)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        bool inQuotes = false;
        bool afterClosingQuote = false;
        bool broken = false;
        int start = 0;
        foreach (SourceLine line in SourceLines.Read(path, problems))
        {
            if (inQuotes)
            {
                field.Append('\n');
            }
            else
            {
                if (line.IsBlank) continue;
                start = line.Number;
            }

            string text = line.Text;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (inQuotes)
                {
                    if (c != '"')
                    {
                        field.Append(c);
                    }
                    else if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                    {
                        inQuotes = false;
                        afterClosingQuote = true;
                    }
                }
                else if (c == delimiter)
                {
                    fields.Add(field.ToString());
                    field.Clear();
                    afterClosingQuote = false;
                }
                else if (afterClosingQuote)
                {
                    if (!broken)
                        problems.Add(path, line.Number, $"field {fields.Count + 1} has text after its closing quote");
                    broken = true;
                }
                else if (c == '"' && field.Length == 0)
                {
                    inQuotes = true;
                }
                else
                {
                    // A quote inside an unquoted field is taken literally, as pandas and Python's csv module take it.
                    field.Append(c);
                }
            }

            if (inQuotes) continue;
            fields.Add(field.ToString());
            if (!broken) yield return (start, fields.ToArray());
            fields.Clear();
            field.Clear();
            afterClosingQuote = false;
            broken = false;
        }

        if (inQuotes) problems.Add(path, start, $"field {fields.Count + 1} opens a quote that is never closed");
    }
}
