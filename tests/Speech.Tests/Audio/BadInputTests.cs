using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Audio;

/// <summary>Every unreadable input gives an <see cref="AudioFormatException"/> naming the file and the reason.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Missing_file()
    {
        AssertFails(_folder.File("nowhere.wav"), "file not found");
    }

    [Fact]
    public void A_directory()
    {
        Directory.CreateDirectory(_folder.File("folder.wav"));

        AssertFails(_folder.File("folder.wav"), "is a directory");
    }

    [Theory]
    [InlineData("empty.wav")]
    [InlineData("empty.mp4")]
    public void Empty_file(string name)
    {
        File.WriteAllBytes(_folder.File(name), []);

        AssertFails(_folder.File(name), "empty file");
    }

    [Fact]
    public void Wav_cut_short_of_what_its_header_declares()
    {
        var path = _folder.File("cut.wav");
        AudioFile.WriteWav(path, Signal.Sine(440, 16000, 1), 16000);
        Truncate(path, 44 + 2 * 6000);

        AssertFails(path, "truncated: expected 16000 frames, got 6000");
        var error = Assert.Throws<AudioFormatException>(() => AudioFile.Probe(path));
        Assert.Equal("truncated: expected 16000 frames, got 6000", error.Reason);
    }

    [Fact]
    public void Flac_cut_short()
    {
        var path = _folder.File("cut.flac");
        AudioFile.Write(path, Signal.Noise(32000, seed: 4), 16000, AudioFileFormat.Flac);
        Truncate(path, new FileInfo(path).Length / 2);

        AssertFails(path, "truncated: expected 32000 frames, got ");
    }

    [Fact]
    public void Mp3_cut_short()
    {
        var path = _folder.File("cut.mp3");
        AudioFile.Write(path, Signal.Sine(440, 16000, 4), 16000, AudioFileFormat.Mp3);
        Truncate(path, new FileInfo(path).Length / 2);

        AssertFails(path, "truncated: expected 64000 frames, got ");
    }

    [Fact]
    public void Ogg_cut_inside_its_headers()
    {
        var path = _folder.File("cut.ogg");
        AudioFile.Write(path, Signal.Sine(440, 16000, 1), 16000, AudioFileFormat.OggVorbis);
        Truncate(path, 3000);

        AssertFails(path, "corrupt: Supported file format but file is malformed");
    }

    [Fact]
    public void Wav_header_without_data()
    {
        var path = _folder.File("header.wav");
        AudioFile.WriteWav(path, Signal.Sine(440, 16000, 1), 16000);
        Truncate(path, 30);

        AssertFails(path, "corrupt: Error in WAV file. No 'data' chunk marker.");
    }

    [Theory]
    [InlineData("noise.wav")]
    [InlineData("noise.flac")]
    [InlineData("noise.mp3")]
    public void Random_bytes(string name)
    {
        var bytes = new byte[20000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(_folder.File(name), bytes);

        AssertFails(_folder.File(name), $"unrecognised format: the bytes are not a valid {Path.GetExtension(name)} file");
    }

    [Theory]
    [InlineData("notes.wav")]
    [InlineData("notes.mp4")]
    public void Text_with_an_audio_name(string name)
    {
        File.WriteAllText(_folder.File(name), "<html><body>404: the recording you asked for is gone</body></html>\n");

        AssertFails(_folder.File(name), "unsupported format: the file holds text, not audio");
    }

    [Fact]
    public void Mp4_cut_before_its_index_fails_in_ffmpeg_with_its_message()
    {
        var path = _folder.File("cut.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=2", "-c:a", "aac", path);
        Truncate(path, new FileInfo(path).Length / 2);

        AssertFails(path, "ffmpeg failed (exit code 1): mov,mp4,m4a,3gp,3g2,mj2: moov atom not found");
    }

    [Fact]
    public void Video_without_audio()
    {
        var path = _folder.File("silent-film.mp4");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=32x32:rate=5:duration=1", "-c:v", "mpeg4", path);

        AssertFails(path, "no audio stream (ffmpeg: Stream map '0:a:0' matches no streams.)");
        var error = Assert.Throws<AudioFormatException>(() => AudioFile.Probe(path));
        Assert.Equal("no audio stream", error.Reason);
    }

    [Fact]
    public void Random_bytes_without_an_audio_extension_fail_in_ffmpeg()
    {
        var path = _folder.File("download.bin");
        var bytes = new byte[20000];
        new Random(5).NextBytes(bytes);
        File.WriteAllBytes(path, bytes);

        AssertFails(path, "ffmpeg failed (exit code 1): Invalid data found when processing input");
    }

    [Fact]
    public void Offset_beyond_the_end()
    {
        var wav = _folder.File("one-second.wav");
        AudioFile.WriteWav(wav, Signal.Sine(440, 16000, 1), 16000);
        var mkv = _folder.File("one-second.mkv");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "flac", mkv);

        AssertFails(wav, "offset 1.5 s is at or beyond the end of the audio (1 s)", new AudioReadOptions { Offset = 1.5 });
        AssertFails(wav, "offset 1 s is at or beyond the end", new AudioReadOptions { Offset = 1, TargetSampleRate = 8000 });
        AssertFails(mkv, "offset 2 s is at or beyond the end of the audio", new AudioReadOptions { Offset = 2 });
    }

    [Fact]
    public void Negative_or_meaningless_segment_bounds()
    {
        var path = _folder.File("tone.wav");
        AudioFile.WriteWav(path, Signal.Sine(440, 16000, 1), 16000);

        AssertFails(path, "offset must be a finite number of seconds ≥ 0, not -0.5", new AudioReadOptions { Offset = -0.5 });
        AssertFails(path, "offset must be a finite number of seconds ≥ 0, not NaN", new AudioReadOptions { Offset = double.NaN });
        AssertFails(path, "duration must be a finite number of seconds > 0, not -1", new AudioReadOptions { Duration = -1 });
        AssertFails(path, "duration must be a finite number of seconds > 0, not 0", new AudioReadOptions { Duration = 0 });
        AssertFails(path, "target sample rate must be positive, not 0", new AudioReadOptions { TargetSampleRate = 0 });
    }

    [Fact]
    public void Missing_ffmpeg_says_it_must_be_installed()
    {
        var path = _folder.File("tone.m4a");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", path);

        var error = Assert.Throws<AudioFormatException>(() => FfmpegDecoder.Open(path, AudioReadOptions.Default, ffmpeg: "ffmpeg-that-is-not-installed"));

        Assert.Equal(path, error.Path);
        Assert.Contains("decoding .m4a files needs ffmpeg-that-is-not-installed, which could not be run", error.Reason);
        Assert.Contains("install ffmpeg", error.Reason);
    }

    /// <summary>Read, stream and (where the reason lives in the header) probe all fail the same way.</summary>
    private static AudioFormatException AssertFails(string path, string reason, AudioReadOptions? options = null)
    {
        var error = Assert.Throws<AudioFormatException>(() => AudioFile.Read(path, options));
        Assert.Equal(path, error.Path);
        Assert.Contains(reason, error.Reason);
        Assert.StartsWith($"{path}: ", error.Message);
        Assert.Contains(reason, error.Message);
        var streamed = Assert.Throws<AudioFormatException>(() =>
        {
            using var stream = AudioFile.OpenStream(path, options);
            var buffer = new float[4096];
            while (stream.Read(buffer) > 0) { }
        });
        Assert.Equal(error.Reason, streamed.Reason);
        return error;
    }

    private static void Truncate(string path, long length)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        file.SetLength(length);
    }
}
