using System.Globalization;

namespace Cluster.Speech.Audio;

/// <summary>
/// Reading and writing audio files. libsndfile reads WAV (PCM 8–32 bit, float, WAVE_FORMAT_EXTENSIBLE),
/// FLAC, Ogg Vorbis/Opus and MP3; anything it does not recognise (mp4, m4a, webm, mkv, aac...) goes
/// to the ffmpeg CLI. Resampling is libsoxr at high quality; downmixing averages the channels.
/// Every unreadable input throws <see cref="AudioFormatException"/> naming the file and the reason.
/// </summary>
public static class AudioFile
{
    /// <summary>
    /// Native input frames read before a resampled segment and after its end, so that the segment's
    /// samples come out of the filter as they do in a whole-file read (the HQ filters are a few hundred taps).
    /// </summary>
    private const double ResamplingContextSeconds = 0.05;

    /// <summary>Rate, channels, length and format from the file's header (ffprobe for ffmpeg-only containers).</summary>
    public static AudioInfo Probe(string path)
    {
        CheckIsNonEmptyFile(path);
        using var decoder = SndFileDecoder.TryOpen(path);
        return decoder?.Info ?? FfmpegDecoder.Probe(path);
    }

    /// <summary>Reads the file (or the segment <paramref name="options"/> asks for) into memory.</summary>
    public static AudioData Read(string path, AudioReadOptions? options = null)
    {
        using var stream = OpenStream(path, options);
        return new AudioData(ReadToEnd(stream), stream.SampleRate, stream.Channels);
    }

    /// <summary>
    /// Opens the file for reading in chunks, decoded and resampled on the fly. A segment
    /// (<see cref="AudioReadOptions.Offset"/>, <see cref="AudioReadOptions.Duration"/>) is reached by seeking,
    /// not by decoding what comes before it, and holds the same samples as that slice of a whole-file read:
    /// it starts at frame round(offset · rate) and is round(duration · rate) frames long unless the file ends first.
    /// </summary>
    public static AudioStream OpenStream(string path, AudioReadOptions? options = null)
    {
        options ??= AudioReadOptions.Default;
        CheckOptions(path, options);
        CheckIsNonEmptyFile(path);
        IAudioDecoder decoder = SndFileDecoder.TryOpen(path) ?? (IAudioDecoder)FfmpegDecoder.Open(path, options);
        try
        {
            if (decoder is SndFileDecoder sndfile) return OpenSegment(sndfile, options);
            // ffmpeg already cut, downmixed and resampled; the limit only guards against its rounding.
            var limit = options.Duration is double seconds ? (long?)Math.Round(seconds * decoder.SampleRate) : null;
            return new AudioStream(decoder, decoder.SampleRate, mono: false, inputFrameLimit: null, outputFramesToSkip: 0, limit, expectedFrames: null);
        }
        catch
        {
            decoder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a WAV file (interleaved frames when <paramref name="channels"/> &gt; 1) atomically: a temporary
    /// file renamed into place. Integer formats clip to [-1, 1) and store round(x · 2^(bits-1)), so samples
    /// read from a file of the same format are written back unchanged. More than two channels get a
    /// WAVE_FORMAT_EXTENSIBLE header, which is what carries a speaker layout.
    /// </summary>
    public static void WriteWav(string path, ReadOnlySpan<float> samples, int sampleRate, int channels = 1, WavSampleFormat format = WavSampleFormat.Pcm16)
    {
        var (subtype, bits) = format switch
        {
            WavSampleFormat.Pcm8 => (LibSndFile.SubtypePcmU8, 8),
            WavSampleFormat.Pcm16 => (LibSndFile.SubtypePcm16, 16),
            WavSampleFormat.Pcm24 => (LibSndFile.SubtypePcm24, 24),
            WavSampleFormat.Pcm32 => (LibSndFile.SubtypePcm32, 32),
            WavSampleFormat.Float32 => (LibSndFile.SubtypeFloat, 0),
            WavSampleFormat.Float64 => (LibSndFile.SubtypeDouble, 0),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown WAV sample format"),
        };
        var container = channels > 2 ? LibSndFile.FormatWavex : LibSndFile.FormatWav;
        SndFileWriter.Write(path, samples, sampleRate, channels, container | subtype, bits);
    }

    /// <summary>Writes an audio file in <paramref name="format"/> atomically (temporary file renamed into place).</summary>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate, AudioFileFormat format, int channels = 1)
    {
        switch (format)
        {
            case AudioFileFormat.Wav16:
                WriteWav(path, samples, sampleRate, channels, WavSampleFormat.Pcm16);
                break;
            case AudioFileFormat.Flac:
                SndFileWriter.Write(path, samples, sampleRate, channels, LibSndFile.FormatFlac | LibSndFile.SubtypePcm16, 16);
                break;
            case AudioFileFormat.OggVorbis:
                SndFileWriter.Write(path, samples, sampleRate, channels, LibSndFile.FormatOgg | LibSndFile.SubtypeVorbis, 0);
                break;
            case AudioFileFormat.OggOpus:
                SndFileWriter.Write(path, samples, sampleRate, channels, LibSndFile.FormatOgg | LibSndFile.SubtypeOpus, 0);
                break;
            case AudioFileFormat.Mp3:
                SndFileWriter.Write(path, samples, sampleRate, channels, LibSndFile.FormatMpeg | LibSndFile.SubtypeMpegLayer3, 0);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(format), format, "unknown audio file format");
        }
    }

    /// <summary>
    /// Seeks to the segment and sets up the stream so that its samples equal the same slice of a whole
    /// read. Without resampling that is a plain seek. With resampling, reading starts a little before the
    /// segment at an input frame whose time falls exactly on an output frame (a multiple of
    /// inputRate / gcd(inputRate, outputRate)), so output frames keep the times they have in a whole read,
    /// and the filter is warm by the time the segment begins; likewise reading stops a little after it.
    /// </summary>
    private static AudioStream OpenSegment(SndFileDecoder decoder, AudioReadOptions options)
    {
        var inputRate = decoder.SampleRate;
        var outputRate = options.TargetSampleRate ?? inputRate;
        var totalInput = decoder.Frames;
        var totalOutput = inputRate == outputRate ? totalInput : (long)Math.Round((double)totalInput * outputRate / inputRate);
        var start = (long)Math.Round(options.Offset * outputRate);
        if (options.Offset > 0 && start >= totalOutput)
            throw new AudioFormatException(decoder.Path,
                $"offset {Format(options.Offset)} s is at or beyond the end of the audio ({Format((double)totalInput / inputRate)} s)");
        long? count = options.Duration is double duration ? (long)Math.Round(duration * outputRate) : null;
        var end = count is long n ? Math.Min(totalOutput, start + n) : totalOutput;
        var expected = Math.Max(0, end - start);

        if (inputRate == outputRate)
        {
            if (start > 0) decoder.Seek(start);
            return new AudioStream(decoder, outputRate, options.Mono, inputFrameLimit: count, outputFramesToSkip: 0, count, expected);
        }

        var divisor = GreatestCommonDivisor(inputRate, outputRate);
        long inputPeriod = inputRate / divisor, outputPeriod = outputRate / divisor;
        var context = (long)Math.Ceiling(ResamplingContextSeconds * inputRate);
        var startInTime = (double)start * inputRate / outputRate;
        var periods = (long)Math.Floor(Math.Max(0, startInTime - context) / inputPeriod);
        var firstInput = periods * inputPeriod;
        var firstOutput = periods * outputPeriod;
        long? inputLimit = count is null ? null : Math.Min(totalInput, (long)Math.Ceiling((double)end * inputRate / outputRate) + context) - firstInput;
        if (firstInput > 0) decoder.Seek(firstInput);
        return new AudioStream(decoder, outputRate, options.Mono, inputLimit, outputFramesToSkip: start - firstOutput, count, expected);
    }

    private static float[] ReadToEnd(AudioStream stream)
    {
        // The header's length lets the common case fill one exact array. Past it (ffmpeg gives no
        // length; an MP3 header may undercount) blocks are collected and joined once at the end.
        const int BlockFrames = 1 << 18;
        var channels = stream.Channels;
        var current = new float[Math.Max(stream.ExpectedFrames ?? 0, 1) * channels];
        var filled = stream.Read(current); // short only at the end of the audio
        var blocks = new List<float[]>();
        var frame = new float[channels];
        while (filled == current.Length)
        {
            // Look for one more frame before allocating another block.
            var extra = stream.Read(frame);
            if (extra == 0) break;
            blocks.Add(current);
            current = new float[BlockFrames * channels];
            frame.CopyTo(current, 0);
            filled = extra + stream.Read(current.AsSpan(extra));
        }
        if (blocks.Count == 0) return filled == current.Length ? current : current[..filled];
        var result = new float[blocks.Sum(block => (long)block.Length) + filled];
        var offset = 0;
        foreach (var block in blocks)
        {
            block.CopyTo(result, offset);
            offset += block.Length;
        }
        current.AsSpan(0, filled).CopyTo(result.AsSpan(offset));
        return result;
    }

    private static void CheckOptions(string path, AudioReadOptions options)
    {
        if (options.TargetSampleRate is <= 0)
            throw new AudioFormatException(path, $"target sample rate must be positive, not {options.TargetSampleRate}");
        if (!double.IsFinite(options.Offset) || options.Offset < 0)
            throw new AudioFormatException(path, $"offset must be a finite number of seconds ≥ 0, not {Format(options.Offset)}");
        if (options.Duration is double duration && (!double.IsFinite(duration) || duration <= 0))
            throw new AudioFormatException(path, $"duration must be a finite number of seconds > 0, not {Format(duration)}");
    }

    private static void CheckIsNonEmptyFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (Directory.Exists(path)) throw new AudioFormatException(path, "is a directory, not an audio file");
        var file = new FileInfo(path);
        if (!file.Exists) throw new AudioFormatException(path, "file not found");
        if (file.Length == 0) throw new AudioFormatException(path, "empty file (0 bytes)");
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    private static string Format(double seconds) => seconds.ToString("0.###", CultureInfo.InvariantCulture);
}
