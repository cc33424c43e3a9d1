using Cluster.Speech.Audio;

namespace Cluster.Speech.Features;

/// <summary>
/// Log-Mel features of a recording of any length in consecutive 30 s windows (Whisper's long-form
/// layout, the last window zero-padded), reading and computing one window at a time: memory stays at
/// one window of audio and one of features whatever the file's length.
/// </summary>
public sealed class StreamingLogMel
{
    private readonly LogMelSpectrogram extractor;

    public StreamingLogMel(int melBins = 80)
    {
        extractor = new LogMelSpectrogram(new LogMelOptions { NMels = melBins, PadOrTrimTo30Seconds = true });
    }

    /// <summary>Windows of <paramref name="path"/>, decoded and resampled to 16 kHz mono on the fly.</summary>
    public IEnumerable<LogMelWindow> Windows(string path)
    {
        using var stream = AudioFile.OpenStream(path, new AudioReadOptions { TargetSampleRate = LogMelSpectrogram.SampleRate, Mono = true });
        foreach (var window in Windows(stream)) yield return window;
    }

    /// <summary>Windows of an open 16 kHz mono stream.</summary>
    public IEnumerable<LogMelWindow> Windows(AudioStream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (stream.SampleRate != LogMelSpectrogram.SampleRate || stream.Channels != 1)
            throw new ArgumentException($"{stream.Path}: log-Mel features need 16 kHz mono audio, the stream gives {stream.SampleRate} Hz with {stream.Channels} channels", nameof(stream));
        var buffer = new float[LogMelSpectrogram.ChunkSamples];
        for (var index = 0; ; index++)
        {
            var filled = 0;
            while (filled < buffer.Length)
            {
                var read = stream.Read(buffer.AsSpan(filled));
                if (read == 0) break;
                filled += read;
            }
            if (filled == 0) yield break;
            var features = extractor.Compute(buffer.AsSpan(0, filled));
            yield return new LogMelWindow(index, index * (double)LogMelSpectrogram.ChunkSamples / LogMelSpectrogram.SampleRate, filled, features);
            if (filled < buffer.Length) yield break;
        }
    }
}
