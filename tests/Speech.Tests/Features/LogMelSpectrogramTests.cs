using System.Runtime.Intrinsics.X86;
using Cluster.Speech.Features;
using Cluster.Torch;

namespace Cluster.Speech.Tests.Features;

public class LogMelSpectrogramTests
{
    private static readonly LogMelSpectrogram Padded = new();
    private static readonly LogMelSpectrogram Unpadded = new(new LogMelOptions { PadOrTrimTo30Seconds = false });

    private static float[] Noise(int samples, int seed)
    {
        var random = new Random(seed);
        var clip = new float[samples];
        for (var i = 0; i < samples; i++) clip[i] = (float)(0.1 * (random.NextDouble() - 0.5) + 0.3 * Math.Sin(i * (0.01 + seed * 0.003)));
        return clip;
    }

    [Fact]
    public void Batch_equals_single_clip_results_in_padded_mode()
    {
        var clips = new[] { WhisperGolden.Load("jfk").Pcm, Noise(35 * 16000, 1), Noise(2 * 16000, 2), Noise(480000, 3) };

        var batch = Padded.ComputeBatch(clips);

        Assert.Equal((4, 80, 3000), (batch.BatchSize, batch.MelBins, batch.Frames));
        Assert.Equal(new[] { 3000, 3000, 3000, 3000 }, batch.Lengths);
        for (var b = 0; b < clips.Length; b++)
            Assert.Equal(Padded.Compute(clips[b]), batch.Features.AsSpan(b * 80 * 3000, 80 * 3000).ToArray());
    }

    [Fact]
    public void Unpadded_batch_pads_to_the_longest_with_each_clips_floor()
    {
        var clips = new[] { Noise(16000, 4), Noise(3 * 16000 + 77, 5), Noise(500, 6) };

        var batch = Unpadded.ComputeBatch(clips);

        Assert.Equal(new[] { 100, 300, 3 }, batch.Lengths);
        Assert.Equal(300, batch.Frames);
        for (var b = 0; b < clips.Length; b++)
        {
            var single = Unpadded.Compute(clips[b]); // [80, lengths[b]]
            // The floor is max − 8 in log10 units, which is 2 below the normalised max.
            var floor = single.Max() - 2f;
            for (var m = 0; m < 80; m++)
            {
                var row = batch.Features.AsSpan((b * 80 + m) * 300, 300);
                Assert.Equal(single.AsSpan(m * batch.Lengths[b], batch.Lengths[b]).ToArray(), row[..batch.Lengths[b]].ToArray());
                foreach (var value in row[batch.Lengths[b]..]) Assert.Equal(floor, value, 1e-5f);
            }
        }
    }

    [Fact]
    public void A_35_second_clip_is_trimmed_to_its_first_30_seconds()
    {
        var clip = Noise(35 * 16000, 7);

        var features = Padded.Compute(clip);

        Assert.Equal(80 * 3000, features.Length);
        Assert.Equal(Padded.Compute(clip.AsSpan(0, 480000)), features);
    }

    [Fact]
    public void A_2_second_clip_is_zero_padded_to_3000_frames()
    {
        var clip = Noise(2 * 16000, 8);
        var explicitlyPadded = new float[480000];
        clip.CopyTo(explicitlyPadded, 0);

        var features = Padded.Compute(clip);

        // The padded tail skips the FFT (silent frames); it must equal what the FFT gives for zeros.
        Assert.Equal(80 * 3000, features.Length);
        Assert.Equal(Padded.Compute(explicitlyPadded), features);
        Assert.Equal(3000, Padded.FrameCount(clip.Length));
    }

    [Fact]
    public void Unpadded_frames_are_samples_over_hop()
    {
        Assert.Equal(1, Unpadded.FrameCount(201));
        Assert.Equal(1100, Unpadded.FrameCount(176000));
        Assert.Equal(80 * 1, Unpadded.Compute(Noise(201, 9)).Length);
        Assert.Equal(80 * 3, Unpadded.Compute(Noise(639, 9)).Length);
    }

    [Fact]
    public void Half_output_is_the_float_output_rounded_to_half()
    {
        var clip = WhisperGolden.Load("chirp").Pcm;
        var single = Padded.Compute(clip);
        var expected = single.Select(v => (Half)v).ToArray();

        Assert.Equal(expected, Padded.ComputeHalf(clip));
        var into = new Half[single.Length];
        Padded.Compute(clip, into.AsSpan());
        Assert.Equal(expected, into);
        var batch = Padded.ComputeBatchHalf([clip, clip]);
        Assert.Equal(expected.Concat(expected), batch.Features);
    }

    [Fact]
    public void Tensor_output_has_the_option_dtype_and_the_array_values()
    {
        var clip = WhisperGolden.Load("jfk").Pcm;
        var half = new LogMelSpectrogram(new LogMelOptions { NMels = 128, OutputHalf = true });
        using var scope = torch.NewDisposeScope();

        var single = Padded.ComputeTensor(clip);
        var halves = half.ComputeTensor(clip);
        var batch = half.ComputeBatchTensor([clip, clip, clip]);

        Assert.Equal(new long[] { 80, 3000 }, single.shape);
        Assert.Equal(DType.Float32, single.dtype);
        Assert.Equal(Padded.Compute(clip), single.ToArray<float>());
        Assert.Equal(new long[] { 128, 3000 }, halves.shape);
        Assert.Equal(DType.Float16, halves.dtype);
        Assert.Equal(half.ComputeHalf(clip), halves.ToArray<Half>());
        Assert.Equal(new long[] { 3, 128, 3000 }, batch.shape);
        Assert.Equal(DType.Float16, batch.dtype);
    }

    [Fact]
    public void Destination_overload_checks_its_size()
    {
        var clip = Noise(16000, 10);
        var destination = new float[80 * 3000];

        Padded.Compute(clip, destination.AsSpan());

        Assert.Equal(Padded.Compute(clip), destination);
        var e = Assert.Throws<ArgumentException>(() => Padded.Compute(clip, new float[80 * 2999].AsSpan()));
        Assert.Contains("[80, 3000]", e.Message);
    }

    [Fact]
    public void Empty_input_is_refused_clearly()
    {
        var e = Assert.Throws<ArgumentException>(() => Padded.Compute(ReadOnlySpan<float>.Empty));
        Assert.Contains("no samples", e.Message);
        Assert.Throws<ArgumentException>(() => Unpadded.Compute(ReadOnlySpan<float>.Empty));
    }

    [Fact]
    public void Unpadded_clips_too_short_to_reflect_pad_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Unpadded.Compute(new float[200]));
        Assert.Contains("reflect", e.Message);
        // Padded mode pads first, so any non-empty clip works.
        Assert.Equal(80 * 3000, Padded.Compute(new float[1]).Length);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(float.PositiveInfinity)]
    [InlineData(float.NegativeInfinity)]
    public void Non_finite_samples_are_refused_with_their_index(float bad)
    {
        var clip = Noise(16000, 11);
        clip[12345] = bad;

        var e = Assert.Throws<ArgumentException>(() => Padded.Compute(clip));

        Assert.Contains("sample 12345", e.Message);
        Assert.Throws<ArgumentException>(() => Unpadded.Compute(clip));
    }

    [Fact]
    public void Samples_whose_power_overflows_float_are_refused()
    {
        var clip = Noise(16000, 15);
        clip[8000] = 1e25f;

        var e = Assert.Throws<ArgumentException>(() => Padded.Compute(clip));

        Assert.Contains("overflowed", e.Message);
    }

    [Fact]
    public void Non_finite_samples_past_30_seconds_are_trimmed_away_unseen()
    {
        var clip = Noise(31 * 16000, 12);
        clip[^1] = float.NaN;

        Assert.Equal(Padded.Compute(clip.AsSpan(0, 480000)), Padded.Compute(clip));
    }

    [Fact]
    public void Batch_errors_name_the_clip()
    {
        var bad = Noise(16000, 13);
        bad[5] = float.NaN;

        var e = Assert.Throws<ArgumentException>(() => Padded.ComputeBatch([Noise(16000, 14), bad]));
        Assert.Equal("clip 1: sample 5 is NaN: audio must be finite (Parameter 'clips')", e.Message);
        Assert.StartsWith("clip 0:", Assert.Throws<ArgumentException>(() => Padded.ComputeBatch([Array.Empty<float>()])).Message);
        Assert.Throws<ArgumentException>(() => Padded.ComputeBatch([]));
    }

    [Fact]
    public void Only_whisper_mel_sizes_are_accepted()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LogMelSpectrogram(new LogMelOptions { NMels = 64 }));
    }

    [Fact]
    public void Silence_is_the_floor_everywhere()
    {
        // log10(1e-10) = -10 everywhere, which is also the max, so every value is (-10 + 4) / 4.
        var features = Padded.Compute(new float[16000]);

        Assert.All(features, v => Assert.Equal(-1.5f, v, 1e-5f));
    }

    [SkippableFact]
    public unsafe void Avx_and_portable_gathers_agree()
    {
        Skip.IfNot(Avx.IsSupported && System.Numerics.Vector<double>.Count == 4, "this CPU has no AVX with 4-wide double vectors: only the portable gather runs here");
        var frames = Enumerable.Range(0, 4).Select(i => Noise(LogMelSpectrogram.NFft, 20 + i)).ToArray();
        var window = Enumerable.Range(0, LogMelSpectrogram.NFft).Select(n => 0.5 - 0.5 * Math.Cos(2 * Math.PI * n / 400)).ToArray();
        var (avxRe, avxIm, scalarRe, scalarIm) = (new double[800], new double[800], new double[800], new double[800]);
        fixed (float* f0 = frames[0], f1 = frames[1], f2 = frames[2], f3 = frames[3])
        fixed (double* w = window, ar = avxRe, ai = avxIm, sr = scalarRe, si = scalarIm)
        {
            var sources = stackalloc float*[] { f0, f1, f2, f3 };
            LogMelSpectrogram.GatherAvx(sources, w, ar, ai);
            LogMelSpectrogram.GatherScalar(sources, w, sr, si);
        }
        Assert.Equal(scalarRe, avxRe);
        Assert.Equal(scalarIm, avxIm);
        Assert.Equal(frames[2][6] * window[6], avxRe[3 * 4 + 2]); // [sample / 2][lane]
    }
}
