using System.Diagnostics;
using Cluster.Speech.Audio;
using Cluster.Speech.Features;

namespace Cluster.Speech.Tests.Features;

[Collection(SerialCollection.Name)]
public sealed class StreamingLogMelTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("stream-mel-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public void Windows_equal_the_features_of_the_same_slices_of_a_full_read()
    {
        var samples = new float[70 * 16000];
        for (var i = 0; i < samples.Length; i++) samples[i] = (float)(0.3 * Math.Sin(2 * Math.PI * (200 + i / 16000.0 * 20) * i / 16000.0));
        var path = Path.Combine(folder, "70s.wav");
        AudioFile.WriteWav(path, samples, 16000, format: WavSampleFormat.Float32);

        var windows = new StreamingLogMel().Windows(path).ToList();
        Assert.Equal(3, windows.Count);
        Assert.Equal(new[] { 0.0, 30.0, 60.0 }, windows.Select(w => w.OffsetSeconds));
        Assert.Equal(new[] { 480000, 480000, 160000 }, windows.Select(w => w.SampleCount));
        var extractor = new LogMelSpectrogram();
        for (var k = 0; k < windows.Count; k++)
        {
            var expected = extractor.Compute(samples.AsSpan(k * 480000, windows[k].SampleCount));
            Assert.Equal(expected, windows[k].Features);
        }
    }

    [Fact]
    public void One_hour_file_streams_in_bounded_memory()
    {
        // A one-hour 16 kHz FLAC (a tone compresses to a few MB, so the test stays light on disk).
        var path = Path.Combine(folder, "hour.flac");
        var ffmpeg = Process.Start(new ProcessStartInfo("ffmpeg", ["-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=220:sample_rate=16000:duration=3600",
            "-ac", "1", "-c:a", "flac", path])
        { RedirectStandardError = true })!;
        var ffmpegErrors = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        Assert.True(ffmpeg.ExitCode == 0, ffmpegErrors);

        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseline = ResidentMemory.Bytes();
        long peak = baseline;
        var windows = 0;
        foreach (var window in new StreamingLogMel().Windows(path))
        {
            Assert.True(float.IsFinite(window.Features[^1]));
            windows++;
            if (windows % 10 == 0) peak = Math.Max(peak, ResidentMemory.Bytes());
        }
        Assert.Equal(120, windows);
        // The whole hour decoded at once would be 230 MB of float samples; streaming keeps one 30 s window.
        var growth = (peak - baseline) / (1024.0 * 1024.0);
        Assert.True(growth < 200, $"resident memory grew by {growth:F0} MB while streaming one hour (bound 200 MB)");
    }
}
