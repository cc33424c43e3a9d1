using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Cluster.Speech.Audio;

/// <summary>
/// Decodes what libsndfile cannot (mp4/m4a/webm/mkv/aac/opus in Matroska...) by running the ffmpeg CLI
/// and reading raw float32 from its stdout as it comes, so a long video never sits in memory whole.
/// ffmpeg seeks, cuts, downmixes and resamples itself; the frames it yields are final.
/// </summary>
internal sealed partial class FfmpegDecoder : IAudioDecoder
{
    internal const string DefaultFfmpeg = "ffmpeg";
    internal const string DefaultFfprobe = "ffprobe";

    // Enough of stderr for the first lines of any error; a chatty decoder cannot make it grow without bound.
    private const int MaxStderrChars = 16 * 1024;

    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly StringBuilder _stderr = new();
    private readonly Task _stderrDrained;
    private readonly double _offset;
    private readonly byte[] _partialFrame;
    private int _partialFrameLength;
    private long _framesDelivered;
    private bool _ended;

    private FfmpegDecoder(string path, Process process, int sampleRate, int channels, double offset)
    {
        Path = path;
        _process = process;
        SampleRate = sampleRate;
        Channels = channels;
        _offset = offset;
        _partialFrame = new byte[channels * sizeof(float)];
        _stdout = process.StandardOutput.BaseStream;
        _stderrDrained = DrainStderrAsync(process.StandardError);
    }

    public string Path { get; }

    public int SampleRate { get; }

    public int Channels { get; }

    /// <summary>
    /// Starts ffmpeg on <paramref name="path"/>. Seeking is an input option (<c>-ss</c> before <c>-i</c>), so
    /// ffmpeg jumps near the offset and decodes only from there; its accurate seek then trims to the exact sample.
    /// When the caller keeps the native rate or channels, ffprobe supplies them first.
    /// </summary>
    public static FfmpegDecoder Open(string path, AudioReadOptions options, string ffmpeg = DefaultFfmpeg, string ffprobe = DefaultFfprobe)
    {
        var sampleRate = options.TargetSampleRate;
        var channels = options.Mono ? 1 : (int?)null;
        if (sampleRate is null || channels is null)
        {
            var info = Probe(path, ffprobe);
            sampleRate ??= info.SampleRate;
            channels ??= info.Channels;
        }
        var arguments = new List<string> { "-v", "error", "-nostdin" };
        if (options.Offset > 0) arguments.AddRange(["-ss", Seconds(options.Offset)]);
        if (options.Duration is double duration) arguments.AddRange(["-t", Seconds(duration)]);
        arguments.AddRange(["-i", InputUrl(path), "-map", "0:a:0"]);
        // ffmpeg's own stereo-to-mono matrix sums channels at -3 dB each (0.707·(L+R)) for float output;
        // capping the matrix rows at 1 makes it the plain average, as libsndfile-read files are downmixed.
        if (options.Mono) arguments.AddRange(["-ac", "1", "-rematrix_maxval", "1.0"]);
        arguments.AddRange(["-ar", sampleRate.Value.ToString(CultureInfo.InvariantCulture), "-f", "f32le", "-"]);
        var process = Start(path, ffmpeg, arguments);
        return new FfmpegDecoder(path, process, sampleRate.Value, channels.Value, options.Offset);
    }

    /// <summary>Rate, channels and duration of the first audio stream, from ffprobe.</summary>
    public static AudioInfo Probe(string path, string ffprobe = DefaultFfprobe)
    {
        using var process = Start(path, ffprobe,
        [
            "-v", "error", "-select_streams", "a:0",
            "-show_entries", "stream=codec_name,sample_rate,channels,duration:format=format_name,duration",
            "-of", "json", InputUrl(path),
        ]);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new AudioFormatException(path, $"ffprobe failed (exit code {process.ExitCode}): {FirstLine(stderr.Result, path)}");
        try
        {
            using var json = JsonDocument.Parse(stdout);
            var streams = json.RootElement.GetProperty("streams");
            if (streams.GetArrayLength() == 0) throw new AudioFormatException(path, "no audio stream");
            var stream = streams[0];
            var format = json.RootElement.GetProperty("format");
            var sampleRate = int.Parse(stream.GetProperty("sample_rate").GetString()!, CultureInfo.InvariantCulture);
            var channels = stream.GetProperty("channels").GetInt32();
            // Matroska/WebM give no per-stream duration; the container's is the next best.
            var duration = ParseSeconds(stream) ?? ParseSeconds(format) ?? 0;
            var formatName = $"{format.GetProperty("format_name").GetString()}, {stream.GetProperty("codec_name").GetString()}";
            if (sampleRate <= 0 || channels <= 0) throw new AudioFormatException(path, $"ffprobe reports {sampleRate} Hz and {channels} channels");
            return new AudioInfo(sampleRate, channels, (long)Math.Round(duration * sampleRate), formatName);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            throw new AudioFormatException(path, $"ffprobe gave an unreadable description: {e.Message}", e);
        }
    }

    public int ReadFrames(Span<float> destination)
    {
        if (destination.Length < Channels) throw new ArgumentException($"room for at least one {Channels}-channel frame is needed", nameof(destination));
        if (_ended) return 0;
        var frameBytes = Channels * sizeof(float);
        var bytes = MemoryMarshal.AsBytes(destination[..(destination.Length / Channels * Channels)]);
        // A pipe read can end inside a frame; those bytes were kept and go first.
        _partialFrame.AsSpan(0, _partialFrameLength).CopyTo(bytes);
        var filled = _partialFrameLength;
        _partialFrameLength = 0;
        while (filled < frameBytes)
        {
            var read = _stdout.Read(bytes[filled..]);
            if (read == 0) break;
            filled += read;
        }
        var frames = filled / frameBytes;
        if (frames == 0)
        {
            Finish();
            return 0;
        }
        _partialFrameLength = filled - frames * frameBytes;
        bytes.Slice(frames * frameBytes, _partialFrameLength).CopyTo(_partialFrame);
        _framesDelivered += frames;
        return frames;
    }

    public void Dispose()
    {
        try
        {
            // A reader that stops early leaves ffmpeg blocked on a full pipe; it has nothing more to do.
            if (!_process.HasExited) _process.Kill();
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
        _process.Dispose();
    }

    private void Finish()
    {
        _ended = true;
        _process.WaitForExit();
        _stderrDrained.GetAwaiter().GetResult();
        if (_process.ExitCode != 0)
        {
            var message = FirstLine(_stderr.ToString(), Path);
            // "-map 0:a:0" finding nothing is how ffmpeg says the file has no audio track.
            throw new AudioFormatException(Path, message.Contains("matches no streams", StringComparison.Ordinal)
                ? $"no audio stream (ffmpeg: {message})"
                : $"ffmpeg failed (exit code {_process.ExitCode}): {message}");
        }
        if (_framesDelivered == 0 && _offset > 0)
            throw new AudioFormatException(Path, $"offset {Seconds(_offset)} s is at or beyond the end of the audio");
    }

    private static Process Start(string path, string executable, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        try
        {
            return Process.Start(start) ?? throw new AudioFormatException(path, $"{executable} did not start");
        }
        catch (Win32Exception e)
        {
            throw new AudioFormatException(path,
                $"decoding {System.IO.Path.GetExtension(path)} files needs {executable}, which could not be run ({e.Message}); install ffmpeg (apt-get install ffmpeg, as scripts/setup.sh does)", e);
        }
    }

    private async Task DrainStderrAsync(StreamReader stderr)
    {
        var buffer = new char[4096];
        int read;
        while ((read = await stderr.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (_stderr)
            {
                var room = MaxStderrChars - _stderr.Length;
                if (room > 0) _stderr.Append(buffer, 0, Math.Min(read, room));
            }
        }
    }

    private static double? ParseSeconds(JsonElement element) =>
        element.TryGetProperty("duration", out var value)
        && double.TryParse(value.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : null;

    /// <summary>
    /// The first line of ffmpeg's stderr, without what the exception says already (the input's path) and
    /// without the "[demuxer @ 0x55...]" tag, whose address changes from run to run.
    /// </summary>
    private static string FirstLine(string text, string path)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (string.IsNullOrEmpty(line)) return "no message";
        var input = InputUrl(path) + ": ";
        if (line.StartsWith(input, StringComparison.Ordinal)) line = line[input.Length..];
        return ComponentPrefix().Replace(line, "$1:");
    }

    [GeneratedRegex(@"^\[([^\]@]*?) @ 0x[0-9a-fA-F]+\]")]
    private static partial Regex ComponentPrefix();

    /// <summary>
    /// The input as ffmpeg must see it: a file: URL of the full path, because a bare name that starts with
    /// '-' reads as an option and one with a ':' (common in downloaded titles) as a protocol.
    /// </summary>
    private static string InputUrl(string path) => "file:" + System.IO.Path.GetFullPath(path);

    private static string Seconds(double seconds) => seconds.ToString("0.######", CultureInfo.InvariantCulture);
}
