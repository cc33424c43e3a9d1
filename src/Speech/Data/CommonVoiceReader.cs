namespace Cluster.Speech.Data;

/// <summary>
/// Reads a Common Voice split (train.tsv, dev.tsv, test.tsv, validated.tsv, …). The TSV has a header row naming at
/// least <c>path</c> and <c>sentence</c>; fields are separated by tabs and never quoted, so a sentence may hold bare
/// quote characters. Audio lives in the sibling <c>clips/</c> folder.
/// </summary>
/// <remarks>
/// The id of an utterance is its <c>path</c> value (Common Voice has no other unique key). <c>client_id</c> becomes
/// the speaker and <c>locale</c> the language; every other column is kept in <see cref="Utterance.Extra"/>.
/// Durations come from a <c>duration</c> column in seconds when there is one (our writer adds it), otherwise from
/// Common Voice's own <c>clip_durations.tsv</c> (milliseconds) beside the split when present, otherwise they stay
/// unknown for validation to measure. Audio files are not opened or checked here: that is validation's job, and
/// probing a million clips on network storage would make reading a manifest take minutes.
/// </remarks>
public static class CommonVoiceReader
{
    public const string ClipsFolder = "clips";
    public const string ClipDurationsFile = "clip_durations.tsv";

    private static readonly HashSet<string> Consumed = new(StringComparer.Ordinal)
    {
        "path", "sentence", "client_id", "locale", "duration",
    };

    /// <exception cref="ManifestFormatException">The split or its clip_durations.tsv is malformed; all problems listed.</exception>
    public static Manifest Read(string tsvPath)
    {
        string path = Path.GetFullPath(tsvPath);
        if (!File.Exists(path)) throw new FileNotFoundException($"Common Voice split not found: {path}", path);
        string folder = Path.GetDirectoryName(path)!;
        string clips = Path.Combine(folder, ClipsFolder);
        var problems = new ProblemList(path);
        Dictionary<string, double> clipDurations = ReadClipDurations(Path.Combine(folder, ClipDurationsFile), problems);

        var utterances = new List<Utterance>();
        using (DelimitedTable? table = DelimitedTable.Open(path, '\t', quoted: false, problems))
        {
            if (table is not null && table.RequireColumns("path", "sentence"))
            {
                var ids = new IdRegistry();
                foreach (ManifestRow row in table.Rows())
                {
                    string? clip = row.Required("path");
                    string? sentence = row.Required("sentence", allowEmpty: true);
                    double? duration = row.Seconds("duration");
                    if (clip is not null) ids.Add(clip, row);
                    if (!row.IsValid) continue;
                    utterances.Add(new Utterance(clip!, Path.GetFullPath(clip!, clips), sentence!)
                    {
                        Duration = duration ?? (clipDurations.TryGetValue(clip!, out double seconds) ? seconds : null),
                        Speaker = row.Optional("client_id"),
                        Language = row.Optional("locale"),
                        Extra = row.Extra(Consumed),
                    });
                }
            }
        }

        problems.ThrowIfAny();
        return new Manifest($"Common Voice {path}", utterances);
    }

    private static Dictionary<string, double> ReadClipDurations(string path, ProblemList problems)
    {
        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!File.Exists(path)) return durations;
        using DelimitedTable? table = DelimitedTable.Open(path, '\t', quoted: false, problems);
        if (table is null || !table.RequireColumns("clip", "duration[ms]")) return durations;
        var clips = new IdRegistry();
        foreach (ManifestRow row in table.Rows())
        {
            string? clip = row.Required("clip");
            double? milliseconds = row.Seconds("duration[ms]");
            if (clip is not null) clips.Add(clip, row);
            if (row.IsValid && milliseconds is double ms) durations[clip!] = ms / 1000;
        }

        return durations;
    }
}
