using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Audio;

/// <summary>Offset/duration reads hold the same samples as that slice of a whole-file read.</summary>
public sealed class SegmentReadTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("wav", 16000, 1)]
    [InlineData("flac", 16000, 1)]
    [InlineData("wav", 44100, 2)]
    [InlineData("flac", 44100, 2)]
    [InlineData("flac", 48000, 1)]
    public void A_segment_equals_the_same_slice_of_a_whole_read(string extension, int sampleRate, int channels)
    {
        var path = WriteNoise(extension, sampleRate, channels, seconds: 6);
        var whole = AudioFile.Read(path).Samples;

        foreach (var (offset, duration) in new (double, double?)[] { (1.3, 2.1), (0.01, 0.5), (4.9999, 3), (2.5, null), (0, 1) })
        {
            var segment = AudioFile.Read(path, new AudioReadOptions { Offset = offset, Duration = duration }).Samples;

            var start = (int)Math.Round(offset * 16000);
            var end = duration is double d ? Math.Min(whole.Length, start + (int)Math.Round(d * 16000)) : whole.Length;
            Assert.Equal(end - start, segment.Length);
            // Without resampling the samples are identical; through the resampler they differ only by float rounding.
            var tolerance = sampleRate == 16000 ? 0 : 1e-6;
            Assert.InRange(Signal.MaxAbsDifference(whole.AsSpan(start, end - start), segment), 0, tolerance);
        }
    }

    [Theory]
    [InlineData(false)] // libsndfile's LAME writer: variable bitrate with a Xing header
    [InlineData(true)] // ffmpeg at 64 kb/s: constant bitrate with an Info header
    public void An_mp3_segment_equals_the_same_slice_at_a_variable_or_a_constant_bitrate(bool constantBitrate)
    {
        // libmpg123 places a VBR seek from the Xing table of contents, thousands of frames off, so a VBR segment is
        // reached by decoding; a CBR seek is exact. Both must give the slice of a whole read, through the resampler.
        var noise = Signal.Noise(48000 * 4, seed: 21, amplitude: 0.3);
        var path = _folder.File(constantBitrate ? "cbr.mp3" : "vbr.mp3");
        if (constantBitrate)
        {
            var raw = _folder.File("noise.f32");
            Ffmpeg.WriteRaw(raw, noise);
            Ffmpeg.Run("-f", "f32le", "-ar", "48000", "-ac", "1", "-i", raw, "-b:a", "64k", path);
        }
        else
        {
            AudioFile.Write(path, noise, 48000, AudioFileFormat.Mp3);
        }
        var whole = AudioFile.Read(path).Samples;

        foreach (var (offset, duration) in new[] { (0.3125, 0.25), (2.7, 1.0), (1.0, 0.5), (0.05, 0.1) })
        {
            var segment = AudioFile.Read(path, new AudioReadOptions { Offset = offset, Duration = duration }).Samples;

            var start = (int)Math.Round(offset * 16000);
            Assert.Equal((int)Math.Round(duration * 16000), segment.Length);
            Assert.InRange(Signal.MaxAbsDifference(whole.AsSpan(start, segment.Length), segment), 0, 1e-6);
        }
    }

    [Fact]
    public void Only_an_mp3_tagged_as_constant_bitrate_is_seeked_by_frame_size()
    {
        var raw = _folder.File("tone.f32");
        Ffmpeg.WriteRaw(raw, Signal.Sine(440, 48000, 1, amplitude: 0.3));
        string Encode(string name, params string[] options)
        {
            var path = _folder.File(name);
            Ffmpeg.Run(["-f", "f32le", "-ar", "48000", "-ac", "1", "-i", raw, .. options, path]);
            return path;
        }

        Assert.True(MpegBitrateTag.DeclaresConstantBitrate(Encode("cbr.mp3", "-b:a", "64k")));
        // An ID3v2 tag in front of the first frame is skipped.
        Assert.True(MpegBitrateTag.DeclaresConstantBitrate(Encode("cbr-id3.mp3", "-b:a", "64k", "-metadata", "title=a long enough title", "-id3v2_version", "3")));
        Assert.False(MpegBitrateTag.DeclaresConstantBitrate(Encode("vbr.mp3", "-q:a", "4")));
        // No tag at all: the bitrate could be either, so the seek is not trusted.
        Assert.False(MpegBitrateTag.DeclaresConstantBitrate(Encode("untagged.mp3", "-b:a", "64k", "-write_xing", "0")));
    }

    [Fact]
    public void A_segment_at_the_native_rate_keeps_its_channels()
    {
        var path = WriteNoise("wav", 22050, 2, seconds: 2);
        var native = new AudioReadOptions { TargetSampleRate = null, Mono = false };
        var whole = AudioFile.Read(path, native).Samples;

        var segment = AudioFile.Read(path, native with { Offset = 0.5, Duration = 0.25 });

        Assert.Equal((22050, 2), (segment.SampleRate, segment.Channels));
        var start = (int)Math.Round(0.5 * 22050) * 2;
        Assert.Equal(whole.AsSpan(start, (int)Math.Round(0.25 * 22050) * 2).ToArray(), segment.Samples);
    }

    [Fact]
    public void A_segment_of_an_ffmpeg_container_equals_the_same_slice()
    {
        // FLAC inside Matroska at 16 kHz: ffmpeg decodes it losslessly with nothing to resample.
        var raw = _folder.File("noise.f32");
        Ffmpeg.WriteRaw(raw, Signal.Noise(16000 * 5, seed: 9, amplitude: 0.5));
        var path = _folder.File("noise.mkv");
        Ffmpeg.Run("-f", "f32le", "-ar", "16000", "-ac", "1", "-i", raw, "-c:a", "flac", path);
        var whole = AudioFile.Read(path).Samples;

        var segment = AudioFile.Read(path, new AudioReadOptions { Offset = 1.75, Duration = 2 }).Samples;

        Assert.Equal(whole.AsSpan(28000, 32000).ToArray(), segment);
    }

    private string WriteNoise(string extension, int sampleRate, int channels, double seconds)
    {
        var frames = (int)(seconds * sampleRate);
        // 16-bit values, so FLAC stores them exactly; a tone on top keeps the resampler busy in band.
        var tone = Signal.Sine(700, sampleRate, seconds, amplitude: 0.4);
        var channelData = Enumerable.Range(0, channels)
            .Select(c => Signal.Noise(frames, seed: c + sampleRate, amplitude: 0.4).Select((x, i) => MathF.Round((x + tone[i]) * 32767) / 32768).ToArray())
            .ToArray();
        var path = _folder.File($"noise{sampleRate}x{channels}.{extension}");
        AudioFile.Write(path, Signal.Interleave(channelData), sampleRate, extension == "wav" ? AudioFileFormat.Wav16 : AudioFileFormat.Flac, channels);
        return path;
    }
}
