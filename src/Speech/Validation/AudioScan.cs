using Cluster.Speech.Audio;

namespace Cluster.Speech.Validation;

/// <summary>
/// One audio file (or segment) being read for validation: its header, then its samples chunk by chunk into
/// <see cref="Statistics"/>. A file that cannot be read ends the scan with <see cref="Failure"/> instead of throwing,
/// because one bad file must not stop the validation of the rest.
/// </summary>
internal sealed class AudioScan : IDisposable
{
    private AudioStream? _stream;

    private AudioScan(string path, double clipLevel)
    {
        Path = path;
        Statistics = new SignalStatistics(clipLevel);
    }

    public string Path { get; }

    /// <summary>The file's own rate and channels; null when its header could not be read.</summary>
    public AudioInfo? Info { get; private set; }

    /// <summary>Why the file could not be read; null while it can.</summary>
    public string? Failure { get; private set; }

    public SignalStatistics Statistics { get; }

    /// <summary>True once the samples have all been read and the scan did not fail.</summary>
    public bool Complete { get; private set; }

    /// <summary>Reads the header and opens the samples, decoded to mono at <see cref="ValidationOptions.SampleRate"/>.</summary>
    public static AudioScan Open(string path, double offset, double? duration, ValidationOptions options)
    {
        var scan = new AudioScan(path, options.ClipLevel);
        try
        {
            // The header gives the rate and channels as stored, which the decoded stream no longer shows.
            scan.Info = AudioFile.Probe(path);
            scan._stream = AudioFile.OpenStream(path, new AudioReadOptions
            {
                TargetSampleRate = options.SampleRate,
                Mono = true,
                Offset = offset,
                Duration = duration,
            });
        }
        catch (Exception error) when (IsUnreadable(error))
        {
            scan.Fail(error);
        }

        return scan;
    }

    /// <summary>
    /// Fills <paramref name="buffer"/> with the next samples and measures them; returns how many, fewer than fit only
    /// at the end of the audio (or at a failure), 0 after it.
    /// </summary>
    public int Read(Span<float> buffer)
    {
        if (_stream is null) return 0;
        int count;
        try
        {
            count = _stream.Read(buffer);
        }
        catch (Exception error) when (IsUnreadable(error))
        {
            Fail(error);
            return 0;
        }

        Statistics.Add(buffer[..count]);
        if (count < buffer.Length)
        {
            Complete = true;
            Close();
        }

        return count;
    }

    /// <summary>Reads and measures the rest of the samples through <paramref name="buffer"/>.</summary>
    public void ReadToEnd(Span<float> buffer)
    {
        while (Read(buffer) == buffer.Length)
        {
            // Read measures as it goes; nothing else to do per chunk.
        }
    }

    public void Dispose() => Close();

    // AudioFormatException covers what the decoders find; the others are the file system's (permissions, a disk error).
    private static bool IsUnreadable(Exception error) => error is IOException or UnauthorizedAccessException;

    private void Fail(Exception error)
    {
        Failure = error is AudioFormatException audio ? audio.Reason : error.Message;
        Close();
    }

    private void Close()
    {
        _stream?.Dispose();
        _stream = null;
    }
}
