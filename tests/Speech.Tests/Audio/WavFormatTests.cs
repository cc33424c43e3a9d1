using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Audio;

public sealed class WavFormatTests : IDisposable
{
    private static readonly AudioReadOptions Native = new() { TargetSampleRate = null, Mono = false };

    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>Each WAV sample format with its integer width (0 for float).</summary>
    public static TheoryData<WavSampleFormat, int> Formats() => new()
    {
        { WavSampleFormat.Pcm8, 8 },
        { WavSampleFormat.Pcm16, 16 },
        { WavSampleFormat.Pcm24, 24 },
        { WavSampleFormat.Pcm32, 32 },
        { WavSampleFormat.Float32, 0 },
        { WavSampleFormat.Float64, 0 },
    };

    [Theory]
    [MemberData(nameof(Formats))]
    public void Written_wav_reads_back_within_its_precision_and_as_ffmpeg_decodes_it(WavSampleFormat format, int bits)
    {
        var samples = Signal.Noise(8000, seed: bits);
        var path = _folder.File($"{format}.wav");

        AudioFile.WriteWav(path, samples, 16000, 1, format);
        var read = AudioFile.Read(path, Native);

        Assert.Equal(16000, read.SampleRate);
        Assert.Equal(1, read.Channels);
        Assert.Equal(samples.Length, read.Frames);
        // Half a quantisation step, plus float32's own rounding for the 32-bit case.
        var tolerance = bits == 0 ? 0 : Math.ScaleB(1.0, -bits) + 6e-8;
        Assert.InRange(Signal.MaxAbsDifference(samples, read.Samples), 0, tolerance);
        Assert.Equal(Ffmpeg.Decode(path), read.Samples);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Samples_on_the_formats_grid_are_written_back_unchanged(WavSampleFormat format, int bits)
    {
        // Values a reader of this format produces: n / 2^(bits-1) (float32 can hold 24 bits of them).
        var step = bits == 0 ? 0 : Math.ScaleB(1.0, -(Math.Min(bits, 24) - 1));
        var samples = Signal.Noise(4000, seed: 7, amplitude: 1).Select(x => bits == 0 ? x : (float)(Math.Clamp(Math.Round(x / step), -1 / step, 1 / step - 1) * step)).ToArray();
        samples[0] = -1f; // full scale negative is on every grid; positive full scale is not
        var first = _folder.File("first.wav");
        var second = _folder.File("second.wav");

        AudioFile.WriteWav(first, samples, 8000, 1, format);
        var once = AudioFile.Read(first, Native).Samples;
        AudioFile.WriteWav(second, once, 8000, 1, format);
        var twice = AudioFile.Read(second, Native).Samples;

        Assert.Equal(samples, once);
        Assert.Equal(once, twice);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Theory]
    [InlineData("pcm_u8", 8, false)]
    [InlineData("pcm_s16le", 16, false)]
    [InlineData("pcm_s24le", 24, true)]
    [InlineData("pcm_s32le", 32, true)]
    [InlineData("pcm_f32le", 0, true)]
    [InlineData("pcm_f64le", 0, true)]
    public void Wav_made_by_ffmpeg_reads_as_ffmpeg_decodes_it(string codec, int bits, bool extensible)
    {
        var left = Signal.Sine(440, 22050, 0.5, amplitude: 0.7);
        var right = Signal.Noise(left.Length, seed: 3, amplitude: 0.5);
        var raw = _folder.File("source.f32");
        Ffmpeg.WriteRaw(raw, Signal.Interleave(left, right));
        var path = _folder.File($"{codec}.wav");
        Ffmpeg.Run("-f", "f32le", "-ar", "22050", "-ac", "2", "-i", raw, "-c:a", codec, path);

        var info = AudioFile.Probe(path);
        var read = AudioFile.Read(path, Native);

        // ffmpeg writes WAVE_FORMAT_EXTENSIBLE for samples wider than 16 bits.
        Assert.Equal(extensible ? 0xFFFE : bits == 0 ? 3 : 1, FormatTag(path));
        Assert.Equal((22050, 2, (long)left.Length), (info.SampleRate, info.Channels, info.Frames));
        Assert.Contains("WAV", info.Format);
        Assert.Equal(0.5, info.Duration, 6);
        Assert.Equal((22050, 2), (read.SampleRate, read.Channels));
        Assert.Equal(Ffmpeg.Decode(path), read.Samples);
        var tolerance = bits == 0 ? 0 : Math.ScaleB(1.0, -bits) + 6e-8;
        Assert.InRange(Signal.MaxAbsDifference(left, Signal.Channel(read.Samples, 2, 0)), 0, tolerance);
        Assert.InRange(Signal.MaxAbsDifference(right, Signal.Channel(read.Samples, 2, 1)), 0, tolerance);
    }

    [Fact]
    public void More_than_two_channels_are_written_with_an_extensible_header_and_read_back()
    {
        float[][] channels = [Signal.Sine(300, 16000, 0.25), Signal.Sine(500, 16000, 0.25), Signal.Noise(4000, seed: 5)];
        var path = _folder.File("three.wav");

        AudioFile.WriteWav(path, Signal.Interleave(channels), 16000, channels: 3, WavSampleFormat.Float32);
        var read = AudioFile.Read(path, Native);
        var mono = AudioFile.Read(path, new AudioReadOptions { TargetSampleRate = null });

        Assert.Equal(0xFFFE, FormatTag(path));
        Assert.Contains("WAVEX", AudioFile.Probe(path).Format);
        Assert.Equal(3, read.Channels);
        Assert.Equal(Signal.Interleave(channels), read.Samples);
        var average = Enumerable.Range(0, 4000).Select(i => (channels[0][i] + channels[1][i] + channels[2][i]) / 3f).ToArray();
        Assert.InRange(Signal.MaxAbsDifference(average, mono.Samples), 0, 1e-6);
    }

    [Fact]
    public void Writing_is_atomic_and_rejects_samples_that_are_not_finite()
    {
        var path = _folder.File("kept.wav");
        AudioFile.WriteWav(path, Signal.Sine(440, 16000, 0.1), 16000);
        var before = File.ReadAllBytes(path);
        var samples = Signal.Sine(440, 16000, 0.1);
        samples[17] = float.NaN;

        var error = Assert.Throws<ArgumentException>(() => AudioFile.WriteWav(path, samples, 16000));

        Assert.Contains("sample 17 is NaN", error.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["kept.wav"], Directory.GetFiles(_folder.Path).Select(Path.GetFileName));
    }

    [Fact]
    public void Pcm_writes_clip_instead_of_wrapping_around()
    {
        var path = _folder.File("loud.wav");

        AudioFile.WriteWav(path, [1.5f, -1.5f, 1f, 0.25f], 16000, 1, WavSampleFormat.Pcm16);

        Assert.Equal([32767f / 32768, -1f, 32767f / 32768, 0.25f], AudioFile.Read(path, Native).Samples);
    }

    /// <summary>wFormatTag of the fmt chunk: 1 PCM, 3 IEEE float, 0xFFFE WAVE_FORMAT_EXTENSIBLE.</summary>
    private static int FormatTag(string path)
    {
        var bytes = File.ReadAllBytes(path);
        for (var position = 12; position + 8 <= bytes.Length;)
        {
            var size = BitConverter.ToInt32(bytes, position + 4);
            if (bytes.AsSpan(position, 4).SequenceEqual("fmt "u8)) return BitConverter.ToUInt16(bytes, position + 8);
            position += 8 + size + (size & 1);
        }
        throw new InvalidDataException($"{path} has no fmt chunk");
    }
}
