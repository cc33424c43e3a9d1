namespace Cluster.Speech.Data;

/// <summary>
/// Reads our JSON Lines manifest: one object per line with <c>audio</c> (path, relative to the manifest's folder or
/// absolute), <c>text</c>, and optionally <c>duration</c> and <c>offset</c> (seconds), <c>id</c>, <c>speaker</c>,
/// <c>language</c>. Other fields are kept in <see cref="Utterance.Extra"/>. This is what <see cref="ManifestWriter"/>
/// writes.
/// </summary>
/// <remarks>
/// Without <c>id</c> an utterance is known by its <c>audio</c> value as written, so segments of one file need ids.
/// <c>duration</c> may be absent (unknown until validation measures it) but never negative or non-numeric.
/// </remarks>
public static class JsonlManifestReader
{
    private static readonly HashSet<string> Consumed = new(StringComparer.Ordinal)
    {
        "id", "audio", "text", "duration", "offset", "speaker", "language",
    };

    /// <exception cref="ManifestFormatException">Malformed lines; all problems listed.</exception>
    public static Manifest Read(string jsonlPath)
    {
        string path = Path.GetFullPath(jsonlPath);
        if (!File.Exists(path)) throw new FileNotFoundException($"manifest not found: {path}", path);
        string folder = Path.GetDirectoryName(path)!;
        var problems = new ProblemList(path);
        var utterances = new List<Utterance>();
        var ids = new IdRegistry();
        foreach (ManifestRow row in JsonlRows.Read(path, problems))
        {
            string? audio = row.Required("audio");
            string? text = row.Required("text", allowEmpty: true);
            double? duration = row.Seconds("duration");
            double? offset = row.Seconds("offset");
            string? id = row.Has("id") ? row.Required("id") : audio;
            if (id is not null) ids.Add(id, row);
            if (!row.IsValid) continue;
            utterances.Add(new Utterance(id!, Path.GetFullPath(audio!, folder), text!)
            {
                Duration = duration,
                Offset = offset,
                Speaker = row.Optional("speaker"),
                Language = row.Optional("language"),
                Extra = row.Extra(Consumed),
            });
        }

        problems.ThrowIfAny();
        return new Manifest($"JSON Lines {path}", utterances);
    }
}
