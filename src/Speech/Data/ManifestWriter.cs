using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cluster.Speech.Data;

/// <summary>
/// Writes manifests that the readers read back to equal utterances. Files appear atomically (temp file, then rename),
/// so a job starting while corpus preparation rewrites a manifest never reads half of one.
/// </summary>
public static class ManifestWriter
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    // Relaxed escaping keeps Chinese transcripts readable in the file instead of \u-escaping every character.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] JsonlFields = ["id", "audio", "text", "duration", "offset", "speaker", "language"];
    private static readonly string[] CommonVoiceFields = ["client_id", "path", "sentence", "locale", "duration"];

    /// <summary>
    /// Writes the JSON Lines manifest <see cref="JsonlManifestReader"/> reads. Audio inside the manifest's folder is
    /// written relative to it, so the folder can be moved or mounted elsewhere; other audio keeps its absolute path.
    /// </summary>
    /// <exception cref="ArgumentException">Ids repeat, or an extra field has the name of a standard one.</exception>
    public static void WriteJsonl(string path, IEnumerable<Utterance> utterances)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        List<Utterance> list = Checked(utterances);
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var line = new ArrayBufferWriter<byte>();
        AtomicFile.Write(path, stream =>
        {
            foreach (Utterance utterance in list)
            {
                line.ResetWrittenCount();
                using (var json = new Utf8JsonWriter(line, JsonOptions))
                {
                    json.WriteStartObject();
                    json.WriteString("id", utterance.Id);
                    json.WriteString("audio", Relative(folder, utterance.AudioPath) ?? utterance.AudioPath);
                    json.WriteString("text", utterance.Text);
                    if (utterance.Duration is double duration) json.WriteNumber("duration", duration);
                    if (utterance.Offset is double offset) json.WriteNumber("offset", offset);
                    if (utterance.Speaker is not null) json.WriteString("speaker", utterance.Speaker);
                    if (utterance.Language is not null) json.WriteString("language", utterance.Language);
                    foreach ((string key, string value) in utterance.Extra)
                    {
                        if (JsonlFields.Contains(key))
                            throw new ArgumentException($"utterance '{utterance.Id}' has an extra field named '{key}', which is a standard field", nameof(utterances));
                        json.WriteString(key, value);
                    }

                    json.WriteEndObject();
                }

                stream.Write(line.WrittenSpan);
                stream.WriteByte((byte)'\n');
            }
        });
    }

    /// <summary>
    /// Writes a Common Voice split that <see cref="CommonVoiceReader"/> (and Common Voice tooling) reads: columns
    /// client_id (the speaker), path, sentence, then locale and duration (seconds, our addition) when any utterance
    /// has them, then the extra columns in order of first appearance (empty where an utterance lacks one).
    /// </summary>
    /// <exception cref="ArgumentException">An utterance cannot be expressed: its audio is not under the sibling
    /// clips/ folder; its id is not its clip path (Common Voice has no id column, so the id would change on reading
    /// back); it has an offset (Common Voice clips are whole files; cut the segment first); or a value holds a tab or
    /// a line break (the format has no quoting).</exception>
    public static void WriteCommonVoiceTsv(string path, IEnumerable<Utterance> utterances)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        List<Utterance> list = Checked(utterances);
        string clips = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, CommonVoiceReader.ClipsFolder);
        var columns = new List<string> { "client_id", "path", "sentence" };
        if (list.Any(u => u.Language is not null)) columns.Add("locale");
        if (list.Any(u => u.Duration is not null)) columns.Add("duration");
        foreach (Utterance utterance in list)
        {
            foreach (string key in utterance.Extra.Keys)
            {
                if (CommonVoiceFields.Contains(key))
                    throw new ArgumentException($"utterance '{utterance.Id}' has an extra field named '{key}', which is a standard column", nameof(utterances));
                if (!columns.Contains(key)) columns.Add(key);
            }
        }

        var rows = new List<string[]>(list.Count);
        foreach (Utterance utterance in list)
        {
            string clip = Relative(clips, utterance.AudioPath)
                ?? throw new ArgumentException($"utterance '{utterance.Id}': audio {utterance.AudioPath} is not under {clips}", nameof(utterances));
            if (utterance.Id != clip)
                throw new ArgumentException($"utterance '{utterance.Id}': Common Voice has no id column, so the id must be the clip path '{clip}'", nameof(utterances));
            if (utterance.Offset is not null)
                throw new ArgumentException($"utterance '{utterance.Id}' is a segment at {utterance.Offset} s; Common Voice clips are whole files, so cut it first", nameof(utterances));
            rows.Add([.. columns.Select(column => Cell(utterance, column, clip))]);
        }

        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, Utf8NoBom, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
            writer.WriteLine(string.Join('\t', columns));
            foreach (string[] row in rows) writer.WriteLine(string.Join('\t', row));
        });
    }

    private static string Cell(Utterance utterance, string column, string clip)
    {
        string value = column switch
        {
            "client_id" => utterance.Speaker ?? "",
            "path" => clip,
            "sentence" => utterance.Text,
            "locale" => utterance.Language ?? "",
            "duration" => utterance.Duration?.ToString("R", CultureInfo.InvariantCulture) ?? "",
            _ => utterance.Extra.GetValueOrDefault(column, ""),
        };
        if (value.AsSpan().IndexOfAny('\t', '\n', '\r') >= 0)
            throw new ArgumentException($"utterance '{utterance.Id}': '{column}' holds a tab or line break, which a Common Voice TSV cannot hold", "utterances");
        return value;
    }

    private static List<Utterance> Checked(IEnumerable<Utterance> utterances)
    {
        ArgumentNullException.ThrowIfNull(utterances);
        List<Utterance> list = [.. utterances];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (Utterance utterance in list)
        {
            ArgumentNullException.ThrowIfNull(utterance, nameof(utterances));
            if (!ids.Add(utterance.Id)) throw new ArgumentException($"utterance id '{utterance.Id}' appears more than once", nameof(utterances));
        }

        return list;
    }

    /// <summary>The path relative to <paramref name="folder"/> with '/' separators, or null when it lies outside.</summary>
    private static string? Relative(string folder, string path)
    {
        string relative = Path.GetRelativePath(folder, path);
        if (Path.IsPathRooted(relative) || relative == ".." || relative.StartsWith(".." + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            return null;
        return relative.Replace(Path.DirectorySeparatorChar, '/');
    }
}
