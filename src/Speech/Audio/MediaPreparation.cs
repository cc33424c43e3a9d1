using System.Text;
using System.Text.Json;

namespace Cluster.Speech.Audio;

/// <summary>
/// Turns downloaded media (videos or audio) into training windows for pseudo-labelling: each source is
/// decoded to mono at 16 kHz (ffmpeg for video containers), cut into overlapping windows written as WAV
/// files under the output folder, and listed in a JSONL manifest with empty transcripts:
/// <c>{"audio": "talk/talk_00001.wav", "text": "", "duration": 10, "offset": 8, "source": "/data/talk.mkv"}</c>.
/// Windows start every (window − overlap) seconds; the last one runs to the end of the source and is
/// the first that reaches it. Sources stream through one window of memory, so hour-long videos are fine.
/// A source that cannot be decoded is reported in the result and its windows removed; the others go on.
/// </summary>
public sealed class MediaPreparation
{
    private readonly MediaPreparationOptions _options;
    private readonly int _windowFrames;
    private readonly int _hopFrames;

    public MediaPreparation(MediaPreparationOptions? options = null)
    {
        _options = options ?? new MediaPreparationOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(_options.SampleRate, nameof(MediaPreparationOptions.SampleRate));
        if (!(_options.WindowSeconds > 0) || !double.IsFinite(_options.WindowSeconds))
            throw new ArgumentOutOfRangeException(nameof(options), _options.WindowSeconds, "window must be a positive number of seconds");
        if (!(_options.OverlapSeconds >= 0) || _options.OverlapSeconds >= _options.WindowSeconds)
            throw new ArgumentOutOfRangeException(nameof(options), _options.OverlapSeconds, "overlap must be at least 0 and shorter than the window");
        ArgumentException.ThrowIfNullOrWhiteSpace(_options.ManifestFileName, nameof(MediaPreparationOptions.ManifestFileName));
        _windowFrames = (int)Math.Round(_options.WindowSeconds * _options.SampleRate);
        _hopFrames = _windowFrames - (int)Math.Round(_options.OverlapSeconds * _options.SampleRate);
        if (_windowFrames <= 0 || _hopFrames <= 0)
            throw new ArgumentOutOfRangeException(nameof(options), "window and hop must each be at least one sample");
    }

    /// <summary>
    /// Prepares every source into <paramref name="outputDirectory"/> (created if missing): one subfolder of
    /// windows per source, named after it, and the manifest, written last and renamed into place.
    /// </summary>
    public MediaPreparationResult Prepare(IEnumerable<string> sources, string outputDirectory, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        Directory.CreateDirectory(outputDirectory);
        var windows = new List<PreparedWindow>();
        var failures = new List<AudioFormatException>();
        var usedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = UniqueName(Path.GetFileNameWithoutExtension(source), usedNames);
            var written = new List<PreparedWindow>();
            try
            {
                CutIntoWindows(source, outputDirectory, name, written, cancellationToken);
                windows.AddRange(written);
            }
            catch (Exception e)
            {
                // The source's windows are not in the manifest; do not leave them behind either.
                foreach (var window in written) File.Delete(Path.Combine(outputDirectory, window.Audio));
                DeleteIfEmpty(Path.Combine(outputDirectory, name));
                if (e is not AudioFormatException failure) throw;
                failures.Add(failure);
            }
        }
        var manifestPath = Path.Combine(Path.GetFullPath(outputDirectory), _options.ManifestFileName);
        WriteManifest(manifestPath, windows);
        return new MediaPreparationResult(manifestPath, windows, failures);
    }

    private void CutIntoWindows(string source, string outputDirectory, string name, List<PreparedWindow> written, CancellationToken cancellationToken)
    {
        using var stream = AudioFile.OpenStream(source, new AudioReadOptions { TargetSampleRate = _options.SampleRate, Mono = true });
        var folder = Path.Combine(outputDirectory, name);
        Directory.CreateDirectory(folder);
        var window = new float[_windowFrames];
        var filled = stream.Read(window);
        if (filled == 0) throw new AudioFormatException(source, "no audio samples");
        long start = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var fileName = $"{name}_{written.Count:D5}.wav";
            AudioFile.WriteWav(Path.Combine(folder, fileName), window.AsSpan(0, filled), _options.SampleRate, 1, _options.SampleFormat);
            written.Add(new PreparedWindow($"{name}/{fileName}", (double)filled / _options.SampleRate, (double)start / _options.SampleRate, source));
            if (filled < _windowFrames) break; // this window reached the end
            // The next window keeps the overlap and needs at least one new sample to be worth writing.
            var kept = _windowFrames - _hopFrames;
            window.AsSpan(_hopFrames, kept).CopyTo(window);
            var fresh = stream.Read(window.AsSpan(kept));
            if (fresh == 0) break;
            filled = kept + fresh;
            start += _hopFrames;
        }
    }

    private static void WriteManifest(string manifestPath, IReadOnlyList<PreparedWindow> windows)
    {
        var temporary = $"{manifestPath}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write))
            {
                var newline = "\n"u8.ToArray();
                foreach (var window in windows)
                {
                    using (var json = new Utf8JsonWriter(file, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                    {
                        json.WriteStartObject();
                        json.WriteString("audio", window.Audio);
                        json.WriteString("text", "");
                        json.WriteNumber("duration", window.Duration);
                        json.WriteNumber("offset", window.Offset);
                        json.WriteString("source", window.Source);
                        json.WriteEndObject();
                    }
                    file.Write(newline);
                }
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, manifestPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static string UniqueName(string stem, HashSet<string> used)
    {
        var safe = new StringBuilder(stem.Length);
        foreach (var c in stem) safe.Append(char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        var name = safe.Length == 0 ? "source" : safe.ToString();
        var candidate = name;
        for (var n = 2; !used.Add(candidate); n++) candidate = $"{name}-{n}";
        return candidate;
    }

    private static void DeleteIfEmpty(string folder)
    {
        if (Directory.Exists(folder) && !Directory.EnumerateFileSystemEntries(folder).Any()) Directory.Delete(folder);
    }
}
