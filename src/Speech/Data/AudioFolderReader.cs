namespace Cluster.Speech.Data;

/// <summary>
/// Reads a Hugging Face audiofolder: <c>metadata.csv</c> (RFC 4180, quoted fields allowed) or <c>metadata.jsonl</c>
/// whose <c>file_name</c> is the audio path relative to the metadata file, plus a transcript column.
/// </summary>
/// <remarks>
/// The id of an utterance is its <c>file_name</c> value. <c>duration</c> (seconds), <c>speaker_id</c> and
/// <c>language</c> are understood when present; every other column is kept in <see cref="Utterance.Extra"/>.
/// Audio files are not opened here (see <see cref="CommonVoiceReader"/> for why).
/// </remarks>
public static class AudioFolderReader
{
    public const string CsvMetadata = "metadata.csv";
    public const string JsonlMetadata = "metadata.jsonl";
    public const string FileNameColumn = "file_name";

    /// <summary>Transcript columns tried in this order when none is named, as Hugging Face datasets name them.</summary>
    public static readonly IReadOnlyList<string> DefaultTextColumns = ["transcription", "sentence", "text"];

    /// <param name="path">The metadata file, or the folder holding it.</param>
    /// <param name="textColumn">The transcript column; null tries <see cref="DefaultTextColumns"/>.</param>
    /// <exception cref="ManifestFormatException">The metadata is malformed, or the folder holds none or both kinds.</exception>
    public static Manifest Read(string path, string? textColumn = null)
    {
        string metadata = FindMetadata(Path.GetFullPath(path));
        string folder = Path.GetDirectoryName(metadata)!;
        var problems = new ProblemList(metadata);
        var utterances = new List<Utterance>();
        if (metadata.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            using DelimitedTable? table = DelimitedTable.Open(metadata, ',', quoted: true, problems);
            if (table is not null && table.RequireColumns(FileNameColumn))
            {
                // The header decides the column for the whole file, so a missing one is reported once, not per row.
                string? column = textColumn ?? DefaultTextColumns.FirstOrDefault(table.Columns.Contains);
                if (column is null)
                    problems.Add(metadata, table.HeaderLine, MissingTextReason(table.Columns));
                else if (table.RequireColumns(column))
                    Collect(table.Rows(), _ => column, folder, utterances);
            }
        }
        else
        {
            Collect(JsonlRows.Read(metadata, problems),
                row => textColumn ?? DefaultTextColumns.FirstOrDefault(row.Has), folder, utterances);
        }

        problems.ThrowIfAny();
        return new Manifest($"audiofolder {metadata}", utterances);
    }

    private static void Collect(IEnumerable<ManifestRow> rows, Func<ManifestRow, string?> textColumnOf, string folder,
        List<Utterance> utterances)
    {
        var ids = new IdRegistry();
        foreach (ManifestRow row in rows)
        {
            string? fileName = row.Required(FileNameColumn);
            string? column = textColumnOf(row);
            string? text = null;
            if (column is null) row.Report(MissingTextReason(null));
            else text = row.Required(column, allowEmpty: true);
            double? duration = row.Seconds("duration");
            if (fileName is not null) ids.Add(fileName, row);
            if (!row.IsValid) continue;
            utterances.Add(new Utterance(fileName!, Path.GetFullPath(fileName!, folder), text!)
            {
                Duration = duration,
                Speaker = row.Optional("speaker_id"),
                Language = row.Optional("language"),
                Extra = row.Extra(new HashSet<string>(StringComparer.Ordinal) { FileNameColumn, column!, "duration", "speaker_id", "language" }),
            });
        }
    }

    private static string MissingTextReason(IReadOnlyList<string>? columns) =>
        $"no transcript column: expected one of {string.Join(", ", DefaultTextColumns.Select(c => $"'{c}'"))}"
        + (columns is null ? "" : $" (the header has: {string.Join(", ", columns)})")
        + ", or name the column explicitly";

    private static string FindMetadata(string path)
    {
        if (File.Exists(path))
        {
            if (path.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase))
                return path;
            throw new ArgumentException($"audiofolder metadata must be a .csv or .jsonl file: {path}", nameof(path));
        }

        if (!Directory.Exists(path)) throw new FileNotFoundException($"audiofolder not found: {path}", path);
        string csv = Path.Combine(path, CsvMetadata);
        string jsonl = Path.Combine(path, JsonlMetadata);
        bool hasCsv = File.Exists(csv);
        bool hasJsonl = File.Exists(jsonl);
        if (hasCsv != hasJsonl) return hasCsv ? csv : jsonl;
        string reason = hasCsv
            ? $"holds both {CsvMetadata} and {JsonlMetadata}; keep one, or pass the one to read"
            : $"holds neither {CsvMetadata} nor {JsonlMetadata}";
        throw new ManifestFormatException(path, [new ManifestProblem(path, null, reason)]);
    }
}
