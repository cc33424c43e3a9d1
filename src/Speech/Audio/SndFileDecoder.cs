namespace Cluster.Speech.Audio;

/// <summary>Decodes what libsndfile reads (WAV, FLAC, Ogg Vorbis/Opus, MP3, AIFF...) to float frames.</summary>
internal sealed unsafe class SndFileDecoder : IAudioDecoder
{
    // An MP3's frame count comes from its Xing/LAME header or, without one, from a bitrate estimate;
    // let the estimate be this much long (two MPEG-1 Layer III frames, or 1 %) before calling the file truncated.
    private const long MpegFrameCountSlack = 2 * 1152;

    // Extensions libsndfile owns: when it cannot even recognise such a file, the bytes are wrong, and
    // handing them to ffmpeg (which probes very permissively) could decode garbage as noise.
    private static readonly HashSet<string> NativeExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".wav", ".wave", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff", ".aifc", ".au", ".snd", ".caf", ".w64", ".rf64",
    };

    private readonly SndFileHandle _file;
    private readonly int _format;
    private long _position;

    private SndFileDecoder(string path, SndFileHandle file, LibSndFile.Info info)
    {
        Path = path;
        _file = file;
        _format = info.Format;
        SampleRate = info.SampleRate;
        Channels = info.Channels;
        Frames = info.Frames;
    }

    public string Path { get; }

    public int SampleRate { get; }

    public int Channels { get; }

    /// <summary>The frame count the header declares.</summary>
    public long Frames { get; }

    public AudioInfo Info =>
        new(SampleRate, Channels, Frames, $"{LibSndFile.FormatName(_format & LibSndFile.TypeMask)}, {LibSndFile.FormatName(_format & LibSndFile.SubMask)}");

    /// <summary>
    /// Opens <paramref name="path"/> with libsndfile; null when libsndfile does not know the container
    /// or its encoding, so ffmpeg should try. Every other failure throws <see cref="AudioFormatException"/>.
    /// </summary>
    public static SndFileDecoder? TryOpen(string path)
    {
        LibSndFile.Require();
        var info = new LibSndFile.Info();
        var file = LibSndFile.Open(path, LibSndFile.ReadMode, ref info, out var code, out var message);
        if (file.IsInvalid)
        {
            file.Dispose();
            // The caller has made sure the path is an existing regular file, so "bad file" means bad content.
            if (code == LibSndFile.ErrorBadFile) code = LibSndFile.ErrorUnrecognisedFormat;
            return code switch
            {
                LibSndFile.ErrorUnrecognisedFormat when AudioFileSniffer.LooksLikeText(path) =>
                    throw new AudioFormatException(path, "unsupported format: the file holds text, not audio"),
                LibSndFile.ErrorUnrecognisedFormat when NativeExtensions.Contains(System.IO.Path.GetExtension(path)) =>
                    throw new AudioFormatException(path, $"unrecognised format: the bytes are not a valid {System.IO.Path.GetExtension(path)} file"),
                LibSndFile.ErrorUnrecognisedFormat or LibSndFile.ErrorUnsupportedEncoding => null,
                LibSndFile.ErrorSystem => throw new AudioFormatException(path, $"cannot open: {message}"),
                _ => throw new AudioFormatException(path, $"corrupt: {message}"),
            };
        }
        var decoder = new SndFileDecoder(path, file, info);
        try
        {
            decoder.CheckDataChunkIsComplete();
        }
        catch
        {
            decoder.Dispose();
            throw;
        }
        return decoder;
    }

    /// <summary>
    /// Positions the next read at <paramref name="frame"/>, without decoding what comes before where the format allows
    /// an exact seek. A variable-bitrate MP3 does not: libmpg123 places the seek from the Xing header's table of
    /// contents (1/256 of the file per entry), which lands thousands of frames away (measured: a 3 s VBR file read at
    /// 0.31 s gave samples from near its start). There, the frames before the target are decoded and dropped.
    /// </summary>
    public void Seek(long frame)
    {
        if (SeeksExactly())
        {
            if (LibSndFile.sf_seek(_file, frame, LibSndFile.SeekSet) < 0)
                throw new AudioFormatException(Path, $"cannot seek to frame {frame} of {Frames}: {LibSndFile.ErrorMessage(_file)}");
            _position = frame;
            return;
        }
        if (frame < _position)
        {
            if (LibSndFile.sf_seek(_file, 0, LibSndFile.SeekSet) < 0)
                throw new AudioFormatException(Path, $"cannot rewind to frame 0: {LibSndFile.ErrorMessage(_file)}");
            _position = 0;
        }
        var scratch = new float[8192 * Channels];
        while (_position < frame)
        {
            var wanted = (int)Math.Min(frame - _position, 8192) * Channels;
            if (ReadFrames(scratch.AsSpan(0, wanted)) == 0)
                throw new AudioFormatException(Path, $"cannot seek to frame {frame}: the audio ends at frame {_position}");
        }
    }

    // Every other format libsndfile seeks by sample index, and an MP3 at a declared constant bitrate by frame size.
    private bool SeeksExactly() =>
        _seeksExactly ??= (_format & LibSndFile.TypeMask) != LibSndFile.FormatMpeg || MpegBitrateTag.DeclaresConstantBitrate(Path);

    // Read from the file's first frame once, on the first seek.
    private bool? _seeksExactly;

    public int ReadFrames(Span<float> destination)
    {
        if (destination.Length < Channels) throw new ArgumentException($"room for at least one {Channels}-channel frame is needed", nameof(destination));
        long read;
        fixed (float* target = destination)
            read = LibSndFile.sf_readf_float(_file, target, destination.Length / Channels);
        _position += Math.Max(read, 0);
        if (LibSndFile.sf_error(_file) != LibSndFile.ErrorNone)
        {
            var message = LibSndFile.ErrorMessage(_file);
            throw new AudioFormatException(Path, _position < Frames
                ? $"truncated: expected {Frames} frames, got {_position} ({message})"
                : $"corrupt: {message} after frame {_position}");
        }
        if (read <= 0 && _position < Frames - AllowedShortfall())
            throw new AudioFormatException(Path, $"truncated: expected {Frames} frames, got {_position}");
        return (int)Math.Max(read, 0);
    }

    public void Dispose() => _file.Dispose();

    private long AllowedShortfall() =>
        (_format & LibSndFile.TypeMask) == LibSndFile.FormatMpeg ? Math.Max(MpegFrameCountSlack, Frames / 100) : 0;

    private void CheckDataChunkIsComplete()
    {
        var major = _format & LibSndFile.TypeMask;
        if (major is not (LibSndFile.FormatWav or LibSndFile.FormatWavex)) return;
        var bytesPerSample = (_format & LibSndFile.SubMask) switch
        {
            LibSndFile.SubtypePcmU8 or LibSndFile.SubtypePcmS8 => 1,
            LibSndFile.SubtypePcm16 => 2,
            LibSndFile.SubtypePcm24 => 3,
            LibSndFile.SubtypePcm32 or LibSndFile.SubtypeFloat => 4,
            LibSndFile.SubtypeDouble => 8,
            _ => 0, // compressed encodings: no fixed frame size to check against
        };
        if (bytesPerSample == 0 || RiffDataChunk.DeclaredSize(Path) is not long declaredBytes) return;
        var declaredFrames = declaredBytes / (bytesPerSample * Channels);
        if (declaredFrames > Frames)
            throw new AudioFormatException(Path, $"truncated: expected {declaredFrames} frames, got {Frames}");
    }
}
