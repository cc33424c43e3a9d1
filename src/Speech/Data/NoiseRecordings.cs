using Cluster.Speech.Audio;

namespace Cluster.Speech.Data;

/// <summary>The noise a job mixes its clean speech with (the job spec's <c>data.enhancement.noise</c>), read whole.</summary>
public static class NoiseRecordings
{
    private static readonly HashSet<string> AudioExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".flac", ".ogg", ".opus", ".mp3", ".m4a", ".aif", ".aiff", ".au", ".sph",
    };

    /// <summary>Each entry is a recording, a folder of recordings, or a speech-style manifest of recordings.</summary>
    /// <exception cref="InvalidDataException">A recording cannot be read, or is empty or holds NaN/Inf samples; the
    /// message names it.</exception>
    public static IReadOnlyList<float[]> Load(IEnumerable<string> entries, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return [.. entries.SelectMany(Files).Select(file => Read(file, sampleRate))];
    }

    private static IEnumerable<string> Files(string entry)
    {
        if (Directory.Exists(entry) && !File.Exists(Path.Combine(entry, "metadata.csv")) && !File.Exists(Path.Combine(entry, "metadata.jsonl")))
        {
            return Directory.EnumerateFiles(entry, "*", SearchOption.AllDirectories)
                .Where(file => AudioExtensions.Contains(Path.GetExtension(file)))
                .Order(StringComparer.Ordinal);
        }
        if (AudioExtensions.Contains(Path.GetExtension(entry))) return [entry];
        return ManifestReader.Read(entry).Utterances.Select(u => u.AudioPath);
    }

    private static float[] Read(string file, int sampleRate)
    {
        float[] samples;
        try
        {
            samples = AudioFile.Read(file, new AudioReadOptions { TargetSampleRate = sampleRate }).Samples;
        }
        catch (IOException error)
        {
            throw new InvalidDataException($"noise recording '{file}': {error.Message}", error);
        }
        return samples.Length > 0 && samples.All(float.IsFinite)
            ? samples
            : throw new InvalidDataException($"noise recording '{file}': empty or holds NaN/Inf samples");
    }
}
