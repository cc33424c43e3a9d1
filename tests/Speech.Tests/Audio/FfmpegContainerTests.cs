using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Audio;

/// <summary>Containers libsndfile does not read go through the ffmpeg CLI.</summary>
public sealed class FfmpegContainerTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("mp4", "aac")]
    [InlineData("m4a", "aac")]
    [InlineData("webm", "libopus")]
    [InlineData("mkv", "libvorbis")]
    [InlineData("mkv", "libopus")]
    [InlineData("aac", "aac")]
    public void Audio_in_a_container_decodes_with_its_duration_and_tone(string extension, string codec)
    {
        var path = _folder.File($"tone.{extension}");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=2:sample_rate=44100", "-c:a", codec, path);

        var info = AudioFile.Probe(path);
        var read = AudioFile.Read(path);

        Assert.Equal(1, info.Channels);
        Assert.Equal(2.0, info.Duration, 1);
        Assert.Equal((16000, 1), (read.SampleRate, read.Channels));
        Assert.Equal(2.0, read.Duration, 1);
        Assert.Equal(440, Signal.ZeroCrossingFrequency(read.Samples, 16000), 1);
    }

    [Fact]
    public void Names_that_look_like_options_or_protocols_reach_ffmpeg_as_files()
    {
        var path = _folder.File("-talk: part 1.mkv");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "flac", "file:" + path);

        Assert.Equal(1.0, AudioFile.Probe(path).Duration, 2);
        Assert.Equal(16000, AudioFile.Read(path).Frames);
    }

    [Fact]
    public void The_audio_track_of_a_video_is_decoded()
    {
        var path = _folder.File("clip.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=64x48:rate=10:duration=3", "-f", "lavfi", "-i", "sine=frequency=1000:duration=3",
            "-c:v", "mpeg4", "-c:a", "aac", "-shortest", path);

        var read = AudioFile.Read(path);

        Assert.Equal(3.0, read.Duration, 1);
        Assert.Equal(1000, Signal.ZeroCrossingFrequency(read.Samples, 16000), 2);
    }

    [Fact]
    public void Native_rate_and_channels_come_from_ffprobe()
    {
        var path = _folder.File("stereo.mkv");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=48000", "-f", "lavfi", "-i", "sine=frequency=880:duration=1:sample_rate=48000",
            "-filter_complex", "[0][1]amerge=inputs=2", "-c:a", "flac", path);

        var info = AudioFile.Probe(path);
        var read = AudioFile.Read(path, new AudioReadOptions { TargetSampleRate = null, Mono = false });

        Assert.Equal((48000, 2), (info.SampleRate, info.Channels));
        Assert.Contains("matroska", info.Format);
        Assert.Equal((48000, 2, 48000), (read.SampleRate, read.Channels, read.Frames));
        Assert.Equal(440, Signal.ZeroCrossingFrequency(Signal.Channel(read.Samples, 2, 0), 48000), 0.5);
        Assert.Equal(880, Signal.ZeroCrossingFrequency(Signal.Channel(read.Samples, 2, 1), 48000), 0.5);
    }

    [Fact]
    public void Downmixing_through_ffmpeg_averages_the_channels_as_for_other_files()
    {
        // Left a tone at ffmpeg's sine amplitude (1/8), right silent: the average has half the amplitude.
        var path = _folder.File("left-only.mkv");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=1:sample_rate=16000", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono",
            "-filter_complex", "[0][1]amerge=inputs=2,atrim=duration=1", "-c:a", "flac", path);
        var stereo = AudioFile.Read(path, new AudioReadOptions { Mono = false }).Samples;

        var mono = AudioFile.Read(path).Samples;

        var average = Enumerable.Range(0, mono.Length).Select(i => (stereo[2 * i] + stereo[2 * i + 1]) / 2).ToArray();
        Assert.InRange(Signal.MaxAbsDifference(average, mono), 0, 1e-6);
        Assert.Equal(0.0625, mono.Max(), 3);
    }

    [Fact]
    public void Streaming_an_ffmpeg_container_gives_the_whole_read_in_chunks()
    {
        var path = _folder.File("tone.webm");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "libopus", path);
        var whole = AudioFile.Read(path).Samples;

        using var stream = AudioFile.OpenStream(path);
        var chunks = stream.ReadChunks(1000).ToList();

        Assert.All(chunks.SkipLast(1), chunk => Assert.Equal(1000, chunk.Length));
        Assert.Equal(whole, chunks.SelectMany(chunk => chunk).ToArray());
        Assert.Equal(whole.Length, stream.Position);
    }
}
