namespace Cluster.Speech.Data;

/// <summary>Reads a speech-recognition manifest of any supported format, telling the format from the path when asked to.</summary>
/// <remarks>
/// What every reader shares: files are strict UTF-8 (a line that is not is reported, never mangled); a blank line is
/// skipped wherever it is, since it holds no record, and line numbers still count it so they match an editor; every
/// problem of a manifest is collected and thrown together as a <see cref="ManifestFormatException"/>, so a bad row is
/// never dropped silently; audio paths are resolved to absolute paths but the audio is not opened, which is
/// validation's job (it also measures unknown durations and rejects empty transcripts, which readers keep).
/// </remarks>
public static class ManifestReader
{
    private static readonly HashSet<string> KaldiFiles = new(StringComparer.Ordinal)
    {
        "wav.scp", "text", "segments", "utt2spk", "utt2dur",
    };

    /// <param name="path">The manifest file, or the directory of a Kaldi data dir or an audiofolder.</param>
    /// <param name="format">Null detects it with <see cref="Detect"/>.</param>
    /// <exception cref="ManifestFormatException">The manifest is malformed, or its format cannot be told.</exception>
    public static Manifest Read(string path, ManifestFormat? format = null)
    {
        string fullPath = Path.GetFullPath(path);
        return (format ?? Detect(fullPath)) switch
        {
            ManifestFormat.CommonVoice => CommonVoiceReader.Read(fullPath),
            ManifestFormat.AudioFolder => AudioFolderReader.Read(fullPath),
            ManifestFormat.Kaldi => KaldiReader.Read(File.Exists(fullPath) ? Path.GetDirectoryName(fullPath)! : fullPath),
            ManifestFormat.Jsonl => JsonlManifestReader.Read(fullPath),
            ManifestFormat other => throw new ArgumentOutOfRangeException(nameof(format), other, "unknown manifest format"),
        };
    }

    /// <summary>
    /// The format by layout: a directory with wav.scp is Kaldi, one with metadata.csv/.jsonl an audiofolder; a file of a
    /// Kaldi data dir (wav.scp, text, …) is Kaldi; metadata.* and any other .csv an audiofolder; a .tsv Common Voice;
    /// any other .jsonl ours.
    /// </summary>
    /// <exception cref="ManifestFormatException">None of these applies.</exception>
    public static ManifestFormat Detect(string path)
    {
        string fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            if (File.Exists(Path.Combine(fullPath, "wav.scp"))) return ManifestFormat.Kaldi;
            if (File.Exists(Path.Combine(fullPath, AudioFolderReader.CsvMetadata))
                || File.Exists(Path.Combine(fullPath, AudioFolderReader.JsonlMetadata)))
                return ManifestFormat.AudioFolder;
            throw Undetectable(fullPath, $"a directory without wav.scp, {AudioFolderReader.CsvMetadata} or {AudioFolderReader.JsonlMetadata}");
        }

        if (!File.Exists(fullPath)) throw new FileNotFoundException($"manifest not found: {fullPath}", fullPath);
        string name = Path.GetFileName(fullPath);
        if (KaldiFiles.Contains(name)) return ManifestFormat.Kaldi;
        if (name is AudioFolderReader.CsvMetadata or AudioFolderReader.JsonlMetadata) return ManifestFormat.AudioFolder;
        return Path.GetExtension(name).ToLowerInvariant() switch
        {
            ".tsv" => ManifestFormat.CommonVoice,
            ".csv" => ManifestFormat.AudioFolder,
            ".jsonl" => ManifestFormat.Jsonl,
            _ => throw Undetectable(fullPath, "a file that is not .tsv, .csv, .jsonl or part of a Kaldi data directory"),
        };
    }

    private static ManifestFormatException Undetectable(string path, string what) =>
        new(path, [new ManifestProblem(path, null, $"cannot tell the manifest format of {what}; name the format explicitly")]);
}
