using System.Globalization;

namespace Cluster.Speech.Data;

/// <summary>
/// Reads a Kaldi data directory: <c>wav.scp</c> (<c>id path</c>) and <c>text</c> (<c>utt-id transcript</c>), and when
/// present <c>segments</c> (<c>utt-id recording-id start end</c>, seconds; wav.scp is then keyed by recording),
/// <c>utt2spk</c> and <c>utt2dur</c>. Utterances come in the order of <c>text</c>.
/// </summary>
/// <remarks>
/// Every utterance in text must have audio and every audio entry a transcript (with segments: every segment a
/// transcript and every transcript a segment; recordings no segment uses are simply not read). utt2spk and utt2dur,
/// when present, must cover exactly the utterances of text, as Kaldi's validate_data_dir.sh demands. Piped commands in
/// wav.scp (<c>sox … |</c>) are refused: running shell commands from a manifest on every data node is a security and
/// portability hazard, and the audio should be converted to files once, up front. A segment end of -1 means "to the
/// end of the recording", as in Kaldi; its duration is then unknown.
/// </remarks>
public static class KaldiReader
{
    /// <param name="dataDirectory">The directory holding wav.scp and text.</param>
    /// <param name="audioRoot">What relative paths in wav.scp are relative to. Kaldi recipes resolve them against the
    /// directory the scripts run in (usually the parent of data/), not the data directory, so pass that when the paths
    /// are relative; null resolves them against the data directory.</param>
    /// <exception cref="ManifestFormatException">Missing files, malformed lines or mismatched ids; all listed.</exception>
    public static Manifest Read(string dataDirectory, string? audioRoot = null)
    {
        string directory = Path.GetFullPath(dataDirectory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Kaldi data directory not found: {directory}");
        string root = audioRoot is null ? directory : Path.GetFullPath(audioRoot);
        string wavScpPath = Path.Combine(directory, "wav.scp");
        string textPath = Path.Combine(directory, "text");
        string segmentsPath = Path.Combine(directory, "segments");
        string utt2spkPath = Path.Combine(directory, "utt2spk");
        string utt2durPath = Path.Combine(directory, "utt2dur");

        var problems = new ProblemList(directory);
        foreach (string required in (string[])[wavScpPath, textPath])
            if (!File.Exists(required)) problems.Add(required, null, "missing: a Kaldi data directory needs wav.scp and text");
        problems.ThrowIfAny();

        Dictionary<string, Entry> recordings = ReadEntries(wavScpPath, "<id> <path>", problems);
        foreach (Entry recording in recordings.Values)
        {
            if (recording.Value.EndsWith('|'))
                problems.Add(wavScpPath, recording.Line, $"'{recording.Key}' is a piped command, which is not supported: convert the audio to files once and list their paths");
        }

        Dictionary<string, Entry> texts = ReadEntries(textPath, null, problems);
        Dictionary<string, Entry>? segmentEntries = File.Exists(segmentsPath)
            ? ReadEntries(segmentsPath, "<utterance-id> <recording-id> <start> <end>", problems)
            : null;
        Dictionary<string, Segment>? segments = segmentEntries is null ? null : ParseSegments(segmentEntries, segmentsPath, problems);
        Dictionary<string, Entry>? speakers = File.Exists(utt2spkPath)
            ? ReadEntries(utt2spkPath, "<utterance-id> <speaker-id>", problems)
            : null;
        Dictionary<string, Entry>? durationEntries = File.Exists(utt2durPath)
            ? ReadEntries(utt2durPath, "<utterance-id> <duration>", problems)
            : null;
        Dictionary<string, double>? durations = durationEntries is null ? null : ParseDurations(durationEntries, utt2durPath, problems);

        if (segmentEntries is null)
        {
            Match(texts, textPath, "has no audio in wav.scp", recordings, wavScpPath, "has no transcript in text", problems);
        }
        else
        {
            Match(texts, textPath, "has no entry in segments", segmentEntries, segmentsPath, "has no transcript in text", problems);
            foreach (Segment segment in segments!.Values)
            {
                if (!recordings.ContainsKey(segment.Recording))
                    problems.Add(segmentsPath, segment.Entry.Line, $"recording '{segment.Recording}' of segment '{segment.Entry.Key}' is not in wav.scp");
            }
        }

        if (speakers is not null)
            Match(texts, textPath, "has no speaker in utt2spk", speakers, utt2spkPath, "is not in text", problems);
        if (durationEntries is not null)
            Match(texts, textPath, "has no duration in utt2dur", durationEntries, utt2durPath, "is not in text", problems);

        problems.ThrowIfAny();

        var utterances = new List<Utterance>(texts.Count);
        foreach (Entry text in texts.Values)
        {
            Segment? segment = segments?[text.Key];
            string audio = recordings[segment?.Recording ?? text.Key].Value;
            utterances.Add(new Utterance(text.Key, Path.GetFullPath(audio, root), text.Value)
            {
                Offset = segment?.Start,
                // A segment's own bounds win; utt2dur covers whole recordings and segments that run to the end (-1).
                Duration = segment is { End: >= 0 } ? segment.End - segment.Start
                    : durations is not null && durations.TryGetValue(text.Key, out double seconds) ? seconds : null,
                Speaker = speakers?[text.Key].Value,
            });
        }

        return new Manifest($"Kaldi data directory {directory}", utterances);
    }

    /// <summary>Reports ids of one file missing from the other, both ways, each at its own line.</summary>
    private static void Match(Dictionary<string, Entry> left, string leftPath, string missingOnRight,
        Dictionary<string, Entry> right, string rightPath, string missingOnLeft, ProblemList problems)
    {
        foreach (Entry entry in left.Values)
            if (!right.ContainsKey(entry.Key)) problems.Add(leftPath, entry.Line, $"'{entry.Key}' {missingOnRight}");
        foreach (Entry entry in right.Values)
            if (!left.ContainsKey(entry.Key)) problems.Add(rightPath, entry.Line, $"'{entry.Key}' {missingOnLeft}");
    }

    /// <summary>
    /// Lines of <c>key value</c>: the key runs to the first space or tab, the value is the rest, trimmed. Entries keep
    /// file order (Dictionary enumerates in insertion order while nothing is removed).
    /// </summary>
    /// <param name="valueShape">How a line should look when the value is required; null allows an empty value (a
    /// text line with an empty transcript is well-formed, and validation decides what to do with it).</param>
    private static Dictionary<string, Entry> ReadEntries(string path, string? valueShape, ProblemList problems)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (SourceLine line in SourceLines.Read(path, problems))
        {
            if (line.IsBlank) continue;
            string text = line.Text.Trim();
            int gap = text.AsSpan().IndexOfAny(' ', '\t');
            string key = gap < 0 ? text : text[..gap];
            string value = gap < 0 ? "" : text[gap..].Trim();
            if (valueShape is not null && value.Length == 0)
            {
                problems.Add(path, line.Number, $"expected '{valueShape}', found only '{key}'");
                continue;
            }

            if (entries.TryGetValue(key, out Entry first))
            {
                problems.Add(path, line.Number, $"duplicate id '{key}' (first on line {first.Line})");
                continue;
            }

            entries.Add(key, new Entry(line.Number, key, value));
        }

        return entries;
    }

    private static Dictionary<string, Segment> ParseSegments(Dictionary<string, Entry> entries, string path, ProblemList problems)
    {
        var segments = new Dictionary<string, Segment>(StringComparer.Ordinal);
        foreach (Entry entry in entries.Values)
        {
            string[] fields = entry.Value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 3)
            {
                problems.Add(path, entry.Line, $"expected '<utterance-id> <recording-id> <start> <end>', found {fields.Length + 1} fields");
                continue;
            }

            double? start = Number(fields[1], "start", path, entry.Line, problems);
            double? end = Number(fields[2], "end", path, entry.Line, problems);
            if (start is not double s || end is not double e) continue;
            if (s < 0)
                problems.Add(path, entry.Line, $"start is negative: {fields[1]}");
            else if (e != -1 && e <= s)
                problems.Add(path, entry.Line, $"end {fields[2]} is not after start {fields[1]} (use -1 for the end of the recording)");
            else
                segments.Add(entry.Key, new Segment(entry, fields[0], s, e));
        }

        return segments;
    }

    private static Dictionary<string, double> ParseDurations(Dictionary<string, Entry> entries, string path, ProblemList problems)
    {
        var durations = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (Entry entry in entries.Values)
        {
            if (Number(entry.Value, "duration", path, entry.Line, problems) is not double seconds) continue;
            if (seconds < 0) problems.Add(path, entry.Line, $"duration is negative: {entry.Value}");
            else durations.Add(entry.Key, seconds);
        }

        return durations;
    }

    private static double? Number(string text, string name, string path, int line, ProblemList problems)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value))
            return value;
        problems.Add(path, line, $"{name} is not a number: '{text}'");
        return null;
    }

    private readonly record struct Entry(int Line, string Key, string Value);

    private sealed record Segment(Entry Entry, string Recording, double Start, double End);
}
