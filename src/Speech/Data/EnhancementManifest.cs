namespace Cluster.Speech.Data;

/// <summary>The noisy/clean pairs of a speech-enhancement dataset split, with unique ids.</summary>
public sealed class EnhancementManifest
{
    // Extensions of the audio files that pairing folders considers; anything else (README, .DS_Store, transcripts
    // kept beside the audio) is not a recording and takes no part in the matching.
    private static readonly HashSet<string> AudioExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".flac", ".ogg", ".opus", ".mp3", ".m4a", ".aif", ".aiff", ".au", ".sph",
    };

    /// <exception cref="ArgumentException">Two pairs share an id.</exception>
    public EnhancementManifest(string source, IEnumerable<EnhancementPair> pairs)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(pairs);
        EnhancementPair[] list = [.. pairs];
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (EnhancementPair pair in list)
        {
            ArgumentNullException.ThrowIfNull(pair, nameof(pairs));
            if (!ids.Add(pair.Id)) throw new ArgumentException($"pair id '{pair.Id}' appears more than once", nameof(pairs));
        }

        Source = source;
        Pairs = list.AsReadOnly();
    }

    public string Source { get; }

    public IReadOnlyList<EnhancementPair> Pairs { get; }

    public int Count => Pairs.Count;

    /// <summary>
    /// Pairs the audio files of two folders (searched recursively) by their path relative to the folder, as
    /// VoiceBank-DEMAND and DNS lay their data out. The id of a pair is that relative path without its extension;
    /// pairs come sorted by it, because directory listing order differs between file systems.
    /// </summary>
    /// <exception cref="ManifestFormatException">A file has no partner of the same name in the other folder; every
    /// such file is listed.</exception>
    public static EnhancementManifest FromFolders(string noisyDirectory, string cleanDirectory)
    {
        string noisyRoot = Path.GetFullPath(noisyDirectory);
        string cleanRoot = Path.GetFullPath(cleanDirectory);
        SortedDictionary<string, string> noisy = ListAudio(noisyRoot);
        SortedDictionary<string, string> clean = ListAudio(cleanRoot);

        var problems = new ProblemList(noisyRoot);
        foreach ((string name, string path) in noisy)
            if (!clean.ContainsKey(name)) problems.Add(path, null, $"no clean partner: {cleanRoot} has no '{name}'");
        foreach ((string name, string path) in clean)
            if (!noisy.ContainsKey(name)) problems.Add(path, null, $"no noisy partner: {noisyRoot} has no '{name}'");
        problems.ThrowIfAny();

        return new EnhancementManifest($"paired folders {noisyRoot} and {cleanRoot}",
            noisy.Select(entry => new EnhancementPair(
                Path.ChangeExtension(entry.Key, null), entry.Value, clean[entry.Key])));
    }

    public override string ToString() => $"{Source} ({Count} pairs)";

    private static SortedDictionary<string, string> ListAudio(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"audio folder not found: {root}");
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            if (AudioExtensions.Contains(Path.GetExtension(file)))
                files.Add(Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'), file);
        }

        return files;
    }
}
