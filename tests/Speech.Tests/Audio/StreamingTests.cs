using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Audio;

public sealed class StreamingTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Ten_minutes_of_44k_flac_stream_in_bounded_memory_with_the_samples_of_a_whole_read()
    {
        var path = _folder.File("long.flac");
        // A beeping tone keeps the content changing over time, so misplaced chunks would show.
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:beep_factor=3:sample_rate=44100:duration=600", "-c:a", "flac", path);
        var whole = AudioFile.Read(path).Samples;
        Assert.Equal(600 * 16000, whole.Length);

        using var stream = AudioFile.OpenStream(path);
        var buffer = new float[12345];
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        long position = 0;
        var mismatches = 0;
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            if (!buffer.AsSpan(0, read).SequenceEqual(whole.AsSpan((int)position, read))) mismatches++;
            position += read;
        }
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;

        Assert.Equal(0, mismatches);
        Assert.Equal(whole.Length, position);
        Assert.Equal(whole.Length, stream.Position);
        // The whole file at 16 kHz is 38 MB of floats; streaming it allocates next to nothing.
        Assert.InRange(allocated, 0, 1 << 20);
    }

    [Fact]
    public void Chunks_have_the_requested_size_and_join_to_the_whole_read()
    {
        var path = _folder.File("tone.wav");
        AudioFile.WriteWav(path, Signal.Sine(440, 44100, 2.5), 44100, 1, WavSampleFormat.Float32);
        var whole = AudioFile.Read(path).Samples;

        using var stream = AudioFile.OpenStream(path);
        var chunks = stream.ReadChunks(3000).ToList();

        Assert.Equal(14, chunks.Count);
        Assert.All(chunks.SkipLast(1), chunk => Assert.Equal(3000, chunk.Length));
        Assert.Equal(40000 - 13 * 3000, chunks[^1].Length);
        Assert.Equal(whole, chunks.SelectMany(chunk => chunk).ToArray());
    }

    [Fact]
    public void A_stream_left_early_releases_ffmpeg()
    {
        var path = _folder.File("long.mkv");
        Ffmpeg.Run("-f", "lavfi", "-i", "sine=frequency=440:duration=120", "-c:a", "libvorbis", path);

        for (var i = 0; i < 3; i++)
        {
            using var stream = AudioFile.OpenStream(path);
            Assert.Equal(1600, stream.Read(new float[1600]));
        }
    }
}
