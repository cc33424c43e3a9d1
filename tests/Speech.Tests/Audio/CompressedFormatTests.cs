using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Audio;

public sealed class CompressedFormatTests : IDisposable
{
    private static readonly AudioReadOptions Native = new() { TargetSampleRate = null, Mono = false };

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Flac_is_lossless_for_16_bit_samples()
    {
        var samples = Signal.Noise(20000, seed: 11).Select(x => MathF.Round(x * 32768) / 32768).ToArray();
        var path = _folder.File("noise.flac");

        AudioFile.Write(path, samples, 44100, AudioFileFormat.Flac);
        var read = AudioFile.Read(path, Native);

        Assert.Equal(44100, read.SampleRate);
        Assert.Equal(samples, read.Samples);
        Assert.Equal(samples, Ffmpeg.Decode(path));
        Assert.StartsWith("FLAC", AudioFile.Probe(path).Format);
    }

    [Fact]
    public void Stereo_flac_keeps_its_channels()
    {
        var left = Signal.Sine(440, 16000, 0.5).Select(x => MathF.Round(x * 32768) / 32768).ToArray();
        var right = Signal.Sine(660, 16000, 0.5).Select(x => MathF.Round(x * 32768) / 32768).ToArray();
        var path = _folder.File("stereo.flac");

        AudioFile.Write(path, Signal.Interleave(left, right), 16000, AudioFileFormat.Flac, channels: 2);
        var read = AudioFile.Read(path, Native);

        Assert.Equal(2, read.Channels);
        Assert.Equal(Signal.Interleave(left, right), read.Samples);
    }

    [Theory]
    [InlineData(AudioFileFormat.OggVorbis, "ogg", 44100)]
    [InlineData(AudioFileFormat.OggOpus, "opus", 48000)]
    [InlineData(AudioFileFormat.Mp3, "mp3", 44100)]
    [InlineData(AudioFileFormat.Mp3, "mp3", 16000)]
    public void Lossy_files_written_here_decode_close_to_the_original(AudioFileFormat format, string extension, int sampleRate)
    {
        var samples = Tones(sampleRate, seconds: 2);
        var path = _folder.File($"tones.{extension}");

        AudioFile.Write(path, samples, sampleRate, format);
        var read = AudioFile.Read(path, Native);

        Assert.Equal(sampleRate, read.SampleRate);
        Assert.Equal(samples.Length, read.Frames);
        AssertCloseToOriginal(samples, read.Samples);
    }

    [Theory]
    [InlineData("libmp3lame", "mp3", "MPEG")]
    [InlineData("libvorbis", "ogg", "OGG")]
    [InlineData("libopus", "opus", "OGG")]
    [InlineData("flac", "flac", "FLAC")]
    public void Files_made_by_ffmpeg_are_read_with_libsndfile(string codec, string extension, string formatName)
    {
        var sampleRate = codec == "libopus" ? 48000 : 44100;
        var samples = Tones(sampleRate, seconds: 2);
        var raw = _folder.File("tones.f32");
        Ffmpeg.WriteRaw(raw, samples);
        var path = _folder.File($"tones.{extension}");
        Ffmpeg.Run("-f", "f32le", "-ar", $"{sampleRate}", "-ac", "1", "-i", raw, "-c:a", codec, path);

        var info = AudioFile.Probe(path);
        var read = AudioFile.Read(path, Native);

        Assert.StartsWith(formatName, info.Format);
        Assert.Equal(samples.Length, read.Frames);
        Assert.Equal(2.0, info.Duration, 3);
        AssertCloseToOriginal(samples, read.Samples);
    }

    private static float[] Tones(int sampleRate, double seconds)
    {
        var low = Signal.Sine(440, sampleRate, seconds, amplitude: 0.3);
        var high = Signal.Sine(1250, sampleRate, seconds, amplitude: 0.2, phase: 1);
        return low.Zip(high, (a, b) => a + b).ToArray();
    }

    /// <summary>Lossy codecs keep a tone mixture near-identical once their start-up frames are past.</summary>
    private static void AssertCloseToOriginal(float[] original, float[] decoded)
    {
        var edge = original.Length / 10;
        var reference = original.AsSpan(edge, original.Length - 2 * edge);
        var estimate = decoded.AsSpan(edge, original.Length - 2 * edge);
        Assert.InRange(Signal.Correlation(reference, estimate), 0.999, 1);
        Assert.InRange(Signal.SnrDecibels(reference, estimate), 20, double.MaxValue);
    }
}
