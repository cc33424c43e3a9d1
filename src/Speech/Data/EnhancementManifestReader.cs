namespace Cluster.Speech.Data;

/// <summary>
/// Reads noisy/clean pairs from a CSV (RFC 4180), a TSV (tabs, no quoting) or a JSON Lines file, chosen by extension.
/// Each record names the noisy and the clean file in <c>noisy</c>/<c>clean</c> or <c>noisy_path</c>/<c>clean_path</c>
/// (relative to the manifest's folder, or absolute), optionally an <c>id</c> (default: the noisy path as written) and a
/// <c>duration</c> in seconds. Other columns are ignored: a pair has nowhere to keep them.
/// </summary>
public static class EnhancementManifestReader
{
    private static readonly string[] NoisyColumns = ["noisy", "noisy_path"];
    private static readonly string[] CleanColumns = ["clean", "clean_path"];

    /// <exception cref="ManifestFormatException">Malformed records; all problems listed.</exception>
    public static EnhancementManifest Read(string manifestPath)
    {
        string path = Path.GetFullPath(manifestPath);
        if (!File.Exists(path)) throw new FileNotFoundException($"enhancement manifest not found: {path}", path);
        string folder = Path.GetDirectoryName(path)!;
        var problems = new ProblemList(path);
        var pairs = new List<EnhancementPair>();
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".jsonl")
        {
            Collect(JsonlRows.Read(path, problems), folder, pairs);
        }
        else if (extension is ".csv" or ".tsv")
        {
            using DelimitedTable? table = extension == ".csv"
                ? DelimitedTable.Open(path, ',', quoted: true, problems)
                : DelimitedTable.Open(path, '\t', quoted: false, problems);
            if (table is not null && HasColumn(table, NoisyColumns, problems, path) & HasColumn(table, CleanColumns, problems, path))
                Collect(table.Rows(), folder, pairs);
        }
        else
        {
            throw new ArgumentException($"enhancement manifest must be .csv, .tsv or .jsonl: {path}", nameof(manifestPath));
        }

        problems.ThrowIfAny();
        return new EnhancementManifest($"enhancement pairs {path}", pairs);
    }

    private static bool HasColumn(DelimitedTable table, string[] names, ProblemList problems, string path)
    {
        if (names.Any(table.Columns.Contains)) return true;
        problems.Add(path, table.HeaderLine, $"missing column {Either(names)} (the header has: {string.Join(", ", table.Columns)})");
        return false;
    }

    private static void Collect(IEnumerable<ManifestRow> rows, string folder, List<EnhancementPair> pairs)
    {
        var ids = new IdRegistry();
        foreach (ManifestRow row in rows)
        {
            string? noisy = PathField(row, NoisyColumns);
            string? clean = PathField(row, CleanColumns);
            double? duration = row.Seconds("duration");
            string? id = row.Has("id") ? row.Required("id") : noisy;
            if (id is not null) ids.Add(id, row);
            if (!row.IsValid) continue;
            pairs.Add(new EnhancementPair(id!, Path.GetFullPath(noisy!, folder), Path.GetFullPath(clean!, folder))
            {
                Duration = duration,
            });
        }
    }

    private static string? PathField(ManifestRow row, string[] names)
    {
        string? present = names.FirstOrDefault(row.Has);
        if (present is not null) return row.Required(present);
        row.Report($"missing required field {Either(names)}");
        return null;
    }

    private static string Either(string[] names) => string.Join(" or ", names.Select(name => $"'{name}'"));
}
