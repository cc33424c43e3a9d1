using System.Text.Json;
using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Audio;

public sealed class MediaPreparationTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_25_second_video_becomes_three_overlapping_windows_and_a_manifest()
    {
        var video = _folder.File("talk.mkv");
        Ffmpeg.Run("-f", "lavfi", "-i", "testsrc=size=32x32:rate=5:duration=25", "-f", "lavfi", "-i", "sine=frequency=440:beep_factor=2:sample_rate=44100:duration=25",
            "-ac", "2", "-c:v", "mpeg4", "-c:a", "flac", video);
        var output = Path.Combine(_folder.Path, "prepared");

        var result = new MediaPreparation().Prepare([video], output);

        Assert.Empty(result.Failures);
        Assert.Equal(Path.Combine(output, "manifest.jsonl"), result.ManifestPath);
        var lines = File.ReadAllLines(result.ManifestPath);
        Assert.Equal(3, lines.Length);
        var whole = AudioFile.Read(video).Samples;
        (double Offset, double Duration)[] expected = [(0, 10), (8, 10), (16, 9)];
        for (var i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            var line = json.RootElement;
            Assert.Equal(["audio", "text", "duration", "offset", "source"], line.EnumerateObject().Select(p => p.Name));
            Assert.Equal($"talk/talk_{i:D5}.wav", line.GetProperty("audio").GetString());
            Assert.Equal("", line.GetProperty("text").GetString());
            Assert.Equal(expected[i].Duration, line.GetProperty("duration").GetDouble());
            Assert.Equal(expected[i].Offset, line.GetProperty("offset").GetDouble());
            Assert.Equal(video, line.GetProperty("source").GetString());

            var windowPath = Path.Combine(output, line.GetProperty("audio").GetString()!);
            var info = AudioFile.Probe(windowPath);
            Assert.Equal((16000, 1, (long)(expected[i].Duration * 16000)), (info.SampleRate, info.Channels, info.Frames));
            Assert.Equal("WAV (Microsoft), Signed 16 bit PCM", info.Format);
            // The window holds that stretch of the source, to 16-bit precision.
            var window = AudioFile.Read(windowPath).Samples;
            Assert.InRange(Signal.MaxAbsDifference(whole.AsSpan((int)(expected[i].Offset * 16000), window.Length), window), 0, 1.0 / 32768);
        }
        Assert.Equal(3, result.Windows.Count);
        Assert.Equal(new PreparedWindow("talk/talk_00002.wav", 9, 16, video), result.Windows[2]);
        Assert.Equal(["manifest.jsonl"], Directory.GetFiles(output).Select(Path.GetFileName));
    }

    [Fact]
    public void Windows_stop_at_the_first_that_reaches_the_end()
    {
        var audio = _folder.File("ten.wav");
        AudioFile.WriteWav(audio, Signal.Sine(440, 16000, 10), 16000);
        var output = Path.Combine(_folder.Path, "out");

        var result = new MediaPreparation(new MediaPreparationOptions { WindowSeconds = 4, OverlapSeconds = 1 }).Prepare([audio], output);

        Assert.Equal([(0.0, 4.0), (3.0, 4.0), (6.0, 4.0)], result.Windows.Select(w => (w.Offset, w.Duration)));
    }

    [Fact]
    public void A_source_shorter_than_a_window_is_one_window()
    {
        var audio = _folder.File("short.flac");
        AudioFile.Write(audio, Signal.Sine(440, 44100, 3.5), 44100, AudioFileFormat.Flac);

        var result = new MediaPreparation().Prepare([audio], Path.Combine(_folder.Path, "out"));

        Assert.Equal([new PreparedWindow("short/short_00000.wav", 3.5, 0, audio)], result.Windows);
    }

    [Fact]
    public void Unreadable_sources_are_reported_and_leave_nothing_behind_while_the_others_go_on()
    {
        var good = _folder.File("good.wav");
        AudioFile.WriteWav(good, Signal.Sine(440, 16000, 12), 16000);
        var cut = _folder.File("cut.flac");
        AudioFile.Write(cut, Signal.Noise(16000 * 30, seed: 1), 16000, AudioFileFormat.Flac);
        using (var file = new FileStream(cut, FileMode.Open)) file.SetLength(file.Length * 2 / 3);
        var missing = _folder.File("missing.mp4");
        var output = Path.Combine(_folder.Path, "out");

        var result = new MediaPreparation().Prepare([good, cut, missing], output);

        Assert.Equal([cut, missing], result.Failures.Select(f => f.Path));
        Assert.Contains("truncated", result.Failures[0].Reason);
        Assert.Equal("file not found", result.Failures[1].Reason);
        Assert.Equal(2, File.ReadAllLines(result.ManifestPath).Length);
        Assert.Equal(["good"], Directory.GetDirectories(output).Select(Path.GetFileName));
    }

    [Fact]
    public void Sources_with_the_same_name_get_separate_folders()
    {
        Directory.CreateDirectory(_folder.File("a"));
        Directory.CreateDirectory(_folder.File("b"));
        var first = Path.Combine(_folder.Path, "a", "clip.wav");
        var second = Path.Combine(_folder.Path, "b", "clip.wav");
        AudioFile.WriteWav(first, Signal.Sine(440, 16000, 1), 16000);
        AudioFile.WriteWav(second, Signal.Sine(880, 16000, 1), 16000);

        var result = new MediaPreparation().Prepare([first, second], Path.Combine(_folder.Path, "out"));

        Assert.Equal(["clip/clip_00000.wav", "clip-2/clip-2_00000.wav"], result.Windows.Select(w => w.Audio));
    }

    [Fact]
    public void Overlap_must_be_shorter_than_the_window()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new MediaPreparation(new MediaPreparationOptions { WindowSeconds = 5, OverlapSeconds = 5 }));
    }
}
