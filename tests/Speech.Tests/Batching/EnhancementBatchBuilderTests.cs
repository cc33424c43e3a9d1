using Cluster.Speech.Audio;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;
using Cluster.Speech.Tests.Data;

namespace Cluster.Speech.Tests.Batching;

public sealed class EnhancementBatchBuilderTests : IDisposable
{
    private const int Crop = 4000;
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_same_batch_built_by_two_builders_is_identical_and_another_batch_is_cropped_elsewhere()
    {
        var pairs = Enumerable.Range(0, 3).Select(i => Pair($"p{i}", Signal(12000, i), Signal(12000, i + 10))).ToArray();
        var options = new EnhancementBatchOptions { CropSamples = Crop, Seed = 7 };

        var first = new EnhancementBatchBuilder(options).Build("e1-b4", 1, pairs);
        var again = new EnhancementBatchBuilder(options).Build("e1-b4", 1, pairs);
        var other = new EnhancementBatchBuilder(options).Build("e1-b5", 1, pairs);

        Assert.Equal(3, first.Count);
        Assert.Equal(first.Noisy, again.Noisy);
        Assert.Equal(first.Clean, again.Clean);
        Assert.NotEqual(first.Noisy, other.Noisy);
        // Noisy and clean are cut at the same offset: row 0's noisy crop is a window of its noisy file whose clean
        // counterpart is the clean crop.
        float[] noisy = Signal(12000, 0), clean = Signal(12000, 10);
        int offset = Enumerable.Range(0, 12000 - Crop + 1).Single(o => noisy.AsSpan(o, Crop).SequenceEqual(first.Noisy.AsSpan(0, Crop)));
        Assert.Equal(clean.AsSpan(offset, Crop).ToArray(), first.Clean.AsSpan(0, Crop).ToArray());
    }

    [Fact]
    public void Mismatched_unreadable_and_damaged_pairs_are_skipped_with_reasons()
    {
        // Only the samples that train are checked, so the damage sits in a pair no longer than the crop (read whole).
        float[] damaged = Signal(3000, 3);
        damaged[100] = float.PositiveInfinity;
        var pairs = new[]
        {
            Pair("mismatch", Signal(8000, 1), Signal(7000, 2)),
            new EnhancementPair("missing", _folder.Combine("gone-noisy.wav"), _folder.Combine("gone-clean.wav")),
            Pair("damaged", Signal(3000, 4), damaged),
            Pair("short", Signal(1000, 5), Signal(1000, 6)),
        };

        var batch = new EnhancementBatchBuilder(new EnhancementBatchOptions { CropSamples = Crop }).Build("e0-b0", 0, pairs);

        Assert.Equal(["short"], batch.Ids);
        Assert.Equal(Signal(1000, 6), batch.Clean.AsSpan(0, 1000).ToArray());
        Assert.All(batch.Clean.AsSpan(1000).ToArray(), s => Assert.Equal(0f, s)); // zero-padded, not dropped
        Assert.Equal(["mismatch", "missing", "damaged"], batch.Skipped.Select(s => s.Id));
        Assert.Equal("noisy has 8000 samples but clean has 7000: the pair is not aligned", batch.Skipped[0].Reason);
        Assert.StartsWith("unreadable noisy audio", batch.Skipped[1].Reason);
        Assert.Equal("clean audio has a NaN/Inf sample at 0.006 s", batch.Skipped[2].Reason);
    }

    [Fact]
    public void Mixing_on_the_fly_puts_noise_at_an_snr_inside_the_range()
    {
        var pairs = Enumerable.Range(0, 4).Select(i => Pair($"c{i}", Signal(6000, 20 + i), Signal(6000, i))).ToArray();
        var options = new EnhancementBatchOptions { CropSamples = Crop, Seed = 3, Mixer = new NoiseMixer(0, 5), Noises = [Signal(9000, 99)] };

        var batch = new EnhancementBatchBuilder(options).Build("e0-b1", 0, pairs);

        Assert.Equal(4, batch.Count);
        for (int row = 0; row < 4; row++)
        {
            var clean = batch.Clean.AsSpan(row * Crop, Crop);
            var noisy = batch.Noisy.AsSpan(row * Crop, Crop);
            double signal = 0, noise = 0;
            for (int i = 0; i < Crop; i++)
            {
                signal += clean[i] * clean[i];
                noise += (noisy[i] - clean[i]) * (noisy[i] - clean[i]);
            }
            double snr = 10 * Math.Log10(signal / noise);
            Assert.InRange(snr, -0.01, 5.01);
        }
    }

    [Theory]
    [InlineData("wav", 16000)]
    [InlineData("mp3", 48000)] // decoded, then resampled to 16 kHz
    public void Reading_only_the_crop_window_gives_the_crop_of_the_whole_decoded_files(string format, int fileRate)
    {
        // A long recording is cropped by seeking to the window; the rows must hold what cropping the whole decoded,
        // resampled files at the same draws holds, for pairs and for mixing alike.
        var pairs = Enumerable.Range(0, 3).Select(i => new EnhancementPair($"r{i}",
            Write($"r{i}-noisy.{format}", Tone(3 * fileRate, 300 + 40 * i, fileRate), fileRate),
            Write($"r{i}-clean.{format}", Tone(3 * fileRate, 500 + 40 * i, fileRate), fileRate))).ToArray();
        var read = new AudioReadOptions { TargetSampleRate = 16000 };
        var whole = pairs.Select(p => (Noisy: AudioFile.Read(p.NoisyPath, read).Samples, Clean: AudioFile.Read(p.CleanPath, read).Samples)).ToArray();
        var options = new EnhancementBatchOptions { CropSamples = Crop, Seed = 11, SampleRate = 16000 };
        var mixing = options with { Mixer = new NoiseMixer(0, 5), Noises = [Signal(9000, 99)] };

        var batch = new EnhancementBatchBuilder(options).Build("e2-b3", 2, pairs);
        var mixed = new EnhancementBatchBuilder(mixing).Build("e2-b3", 2, pairs);

        Assert.Equal(3, batch.Count);
        Assert.Equal(3, mixed.Count);
        for (int row = 0; row < 3; row++)
        {
            // Each row is some window of the whole files, the same window of noisy and clean; a mixed row's clean
            // side is a window of the clean file.
            var noisyRow = batch.Noisy.AsSpan(row * Crop, Crop).ToArray();
            int offset = OffsetOf(whole[row].Noisy, noisyRow);
            Assert.True(offset >= 0, $"row {row}'s noisy crop is no window of the whole noisy file");
            AssertClose(whole[row].Clean.AsSpan(offset, Crop).ToArray(), batch.Clean.AsSpan(row * Crop, Crop).ToArray());
            Assert.True(OffsetOf(whole[row].Clean, mixed.Clean.AsSpan(row * Crop, Crop).ToArray()) >= 0, $"row {row}'s mixed clean crop is no window of the clean file");
        }
    }

    [Fact]
    public void Mixing_without_noises_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new EnhancementBatchBuilder(new EnhancementBatchOptions { Mixer = new NoiseMixer(0, 5) }));
        Assert.Contains("at least one noise", error.Message);
    }

    // The decoder's float output of a window and of a whole read agree to rounding (the resampler's state at the seek).
    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        Assert.True(Close(expected, actual), $"largest difference {expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max()}");
    }

    // The window of the whole signal that the crop matches to rounding, or -1.
    private static int OffsetOf(float[] whole, float[] crop) =>
        Enumerable.Range(0, whole.Length - crop.Length + 1).FirstOrDefault(o => Close(whole.AsSpan(o, crop.Length), crop), -1);

    private static bool Close(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        for (int i = 0; i < a.Length; i++) if (Math.Abs(a[i] - b[i]) >= 1e-5f) return false;
        return true;
    }

    private string Write(string name, float[] samples, int rate)
    {
        string path = _folder.Combine(name);
        AudioFile.Write(path, samples, rate, name.EndsWith(".mp3") ? AudioFileFormat.Mp3 : AudioFileFormat.Wav16);
        return path;
    }

    private static float[] Tone(int length, double frequency, int rate) =>
        Enumerable.Range(0, length).Select(i => (float)(0.3 * Math.Sin(2 * Math.PI * frequency * i / rate) + 0.1 * Math.Sin(2 * Math.PI * 37 * i / rate))).ToArray();

    private EnhancementPair Pair(string id, float[] noisy, float[] clean) =>
        new(id, Wav(id + "-noisy.wav", noisy), Wav(id + "-clean.wav", clean));

    private string Wav(string name, float[] samples) => TestWav.Write(_folder.Combine(name), samples);

    private static float[] Signal(int length, int seed)
    {
        var rng = new SplitMix64((ulong)seed + 1);
        return Enumerable.Range(0, length).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
    }
}
