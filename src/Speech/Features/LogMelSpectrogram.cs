using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Cluster.Torch;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace Cluster.Speech.Features;

/// <summary>
/// Whisper's log-Mel front end (openai/whisper <c>audio.py</c>), step for step: 16 kHz
/// samples, 400-point periodic Hann STFT with hop 160, centred with reflect padding, power spectrum
/// with the last frame dropped, Slaney mel filterbank, <c>log10(max(mel, 1e-10))</c>, floored at
/// (per-utterance max − 8), then <c>(x + 4) / 4</c>. Output is row-major [n_mels, frames].
/// <para>
/// Single-threaded and allocation-free apart from the result: frames are read straight from the
/// samples (no framing copy) and transformed several at once, one per SIMD lane, by a
/// double-precision real FFT (<see cref="LanewiseRealFft"/> says why double); the sparse filterbank,
/// log10 and the running max are fused into one pass over each spectrum; padded mode skips the FFT
/// for frames that lie wholly in the zero padding. Instances are immutable and safe to share
/// between threads.
/// </para>
/// </summary>
public sealed unsafe class LogMelSpectrogram
{
    public const int SampleRate = 16000;
    public const int NFft = 400;
    public const int HopLength = 160;
    public const int ChunkSamples = 30 * SampleRate;
    public const int ChunkFrames = ChunkSamples / HopLength;

    private const float MinMel = 1e-10f;
    private const float DynamicRange = 8f; // log10 units kept below the utterance's loudest bin
    private const int Pad = NFft / 2;      // centre padding on each side
    private const int CacheLine = 64;
    private const int SqrtHalfBits = 0x3F3504F3; // √½ as float bits
    private const float Log10E = 0.4342944819f;
    private const float Log10TwoHigh = 0.30078125f; // 77 / 256
    private const float Log10TwoLow = 2.4874566e-4f; // log10(2) − Log10TwoHigh
    private static readonly int Lanes = Vector<float>.Count;     // frames per output vector
    private static readonly int FftLanes = Vector<double>.Count; // frames per FFT pass: half of Lanes

    private readonly LanewiseRealFft fft = new(NFft);
    private readonly double[] window;
    private readonly int[] melStart;
    private readonly int[] melOffsets;  // filter m's weights are melWeights[melOffsets[m]..melOffsets[m + 1]]
    private readonly float[] melWeights; // divided by 4: the FFT yields 4·|X|²
    private readonly float silentLog;    // log10 of the clamp value, as the vector path computes it

    public LogMelSpectrogram(LogMelOptions? options = null)
    {
        Options = options ?? new LogMelOptions();
        if (Options.NMels is not (80 or 128))
            throw new ArgumentOutOfRangeException(nameof(options), Options.NMels, "Whisper uses 80 or 128 mel bins");
        FilterBank = MelFilterBank.Slaney(Options.NMels, SampleRate, NFft);

        melStart = new int[Options.NMels];
        melOffsets = new int[Options.NMels + 1];
        var weights = new List<float>();
        for (var m = 0; m < Options.NMels; m++)
        {
            melStart[m] = FilterBank.StartBin(m);
            foreach (var w in FilterBank.Weights(m)) weights.Add(w * 0.25f);
            melOffsets[m + 1] = weights.Count;
        }
        melWeights = weights.ToArray();

        // torch.hann_window(400), periodic: the denominator is N, not N - 1.
        window = new double[NFft];
        for (var n = 0; n < NFft; n++) window[n] = 0.5 - 0.5 * Math.Cos(2.0 * Math.PI * n / NFft);

        silentLog = Log10(new Vector<float>(MinMel))[0];
    }

    public LogMelOptions Options { get; }

    /// <summary>The filterbank in use (its dense form equals Whisper's mel_filters.npz).</summary>
    public MelFilterBank FilterBank { get; }

    /// <summary>Frames produced for a clip of <paramref name="sampleCount"/> samples: 3000 in padded mode, samples / 160 otherwise.</summary>
    public int FrameCount(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        return Options.PadOrTrimTo30Seconds ? ChunkFrames : sampleCount / HopLength;
    }

    /// <summary>Features of one 16 kHz clip, row-major [n_mels, frames].</summary>
    /// <exception cref="ArgumentException">The clip is empty, too short to reflect-pad (unpadded mode: under 201 samples), or has a NaN or infinite sample.</exception>
    public float[] Compute(ReadOnlySpan<float> samples16k)
    {
        var frames = CheckedFrameCount(samples16k.Length);
        var features = GC.AllocateUninitializedArray<float>(Options.NMels * frames); // [n_mels, frames], every value written below
        ComputeInto(samples16k, features, frames, frames, clip: null);
        return features;
    }

    /// <summary>Writes the features of one clip to <paramref name="destination"/> (n_mels · frames floats).</summary>
    public void Compute(ReadOnlySpan<float> samples16k, Span<float> destination)
    {
        var frames = CheckedFrameCount(samples16k.Length);
        CheckDestination(destination.Length, frames);
        ComputeInto(samples16k, destination, frames, frames, clip: null);
    }

    /// <summary>Features of one clip rounded to IEEE half (round to nearest even), row-major [n_mels, frames].</summary>
    public Half[] ComputeHalf(ReadOnlySpan<float> samples16k)
    {
        var frames = CheckedFrameCount(samples16k.Length);
        var features = GC.AllocateUninitializedArray<Half>(Options.NMels * frames); // [n_mels, frames], every value written below
        ComputeHalfInto(samples16k, features, frames, frames, clip: null);
        return features;
    }

    /// <summary>Writes the half-precision features of one clip to <paramref name="destination"/> (n_mels · frames values).</summary>
    public void Compute(ReadOnlySpan<float> samples16k, Span<Half> destination)
    {
        var frames = CheckedFrameCount(samples16k.Length);
        CheckDestination(destination.Length, frames);
        ComputeHalfInto(samples16k, destination, frames, frames, clip: null);
    }

    /// <summary>
    /// Features of one clip as a CPU tensor [n_mels, frames], float16 when <see cref="LogMelOptions.OutputHalf"/>
    /// and float32 otherwise. The tensor wraps the computed array, no copy.
    /// </summary>
    public Tensor ComputeTensor(ReadOnlySpan<float> samples16k)
    {
        var frames = CheckedFrameCount(samples16k.Length);
        return Options.OutputHalf
            ? torch.from_array(ComputeHalf(samples16k), Options.NMels, frames)
            : torch.from_array(Compute(samples16k), Options.NMels, frames);
    }

    /// <summary>
    /// Features of several clips, [B, n_mels, frames] (see <see cref="LogMelBatch{T}"/> for unpadded mode,
    /// where clips differ in length). Each clip gets exactly what <see cref="Compute(ReadOnlySpan{float})"/>
    /// gives it, its own max included. Runs on the calling thread.
    /// </summary>
    /// <exception cref="ArgumentException">A clip is unusable; the message names its index.</exception>
    public LogMelBatch<float> ComputeBatch(IReadOnlyList<float[]> clips)
    {
        var (lengths, frames) = BatchShape(clips);
        var size = Options.NMels * frames;
        var features = GC.AllocateUninitializedArray<float>(clips.Count * size); // [B, n_mels, frames], every value written below
        for (var b = 0; b < clips.Count; b++)
            ComputeInto(clips[b], features.AsSpan(b * size, size), lengths[b], frames, clip: b);
        return new LogMelBatch<float>(features, clips.Count, Options.NMels, frames, lengths);
    }

    /// <summary><see cref="ComputeBatch"/> rounded to IEEE half.</summary>
    public LogMelBatch<Half> ComputeBatchHalf(IReadOnlyList<float[]> clips)
    {
        var (lengths, frames) = BatchShape(clips);
        var size = Options.NMels * frames;
        var features = GC.AllocateUninitializedArray<Half>(clips.Count * size); // [B, n_mels, frames], every value written below
        for (var b = 0; b < clips.Count; b++)
            ComputeHalfInto(clips[b], features.AsSpan(b * size, size), lengths[b], frames, clip: b);
        return new LogMelBatch<Half>(features, clips.Count, Options.NMels, frames, lengths);
    }

    /// <summary>
    /// <see cref="ComputeBatch"/> as a CPU tensor [B, n_mels, frames] (float16 when <see cref="LogMelOptions.OutputHalf"/>);
    /// clip b's valid frames are <see cref="FrameCount"/> of its length.
    /// </summary>
    public Tensor ComputeBatchTensor(IReadOnlyList<float[]> clips)
    {
        if (Options.OutputHalf)
        {
            var batch = ComputeBatchHalf(clips);
            return torch.from_array(batch.Features, batch.BatchSize, batch.MelBins, batch.Frames);
        }
        var single = ComputeBatch(clips);
        return torch.from_array(single.Features, single.BatchSize, single.MelBins, single.Frames);
    }

    private int CheckedFrameCount(int sampleCount, int? clip = null)
    {
        if (sampleCount == 0) throw Invalid("the clip has no samples", clip);
        // torch.stft's reflect padding needs more samples than the 200 it mirrors.
        if (!Options.PadOrTrimTo30Seconds && sampleCount <= Pad)
            throw Invalid($"the clip has {sampleCount} samples; unpadded features need more than {Pad} for the reflect padding", clip);
        return FrameCount(sampleCount);
    }

    // Batch errors name the failing clip so a data loader can report it and skip it.
    private static ArgumentException Invalid(string reason, int? clip) =>
        clip is null ? new ArgumentException(reason, "samples16k") : new ArgumentException($"clip {clip}: {reason}", "clips");

    private void CheckDestination(int length, int frames)
    {
        if (length != Options.NMels * frames)
            throw new ArgumentException($"destination holds {length} values; [n_mels, frames] = [{Options.NMels}, {frames}] needs {Options.NMels * frames}", "destination");
    }

    private (int[] Lengths, int Frames) BatchShape(IReadOnlyList<float[]> clips)
    {
        ArgumentNullException.ThrowIfNull(clips);
        if (clips.Count == 0) throw new ArgumentException("the batch has no clips", nameof(clips));
        var lengths = new int[clips.Count];
        for (var b = 0; b < clips.Count; b++)
        {
            var clip = clips[b] ?? throw new ArgumentNullException(nameof(clips), $"clip {b} is null");
            lengths[b] = CheckedFrameCount(clip.Length, b);
        }
        return (lengths, lengths.Max());
    }

    private void ComputeHalfInto(ReadOnlySpan<float> samples, Span<Half> destination, int frames, int rowStride, int? clip)
    {
        var scratch = ArrayPool<float>.Shared.Rent(destination.Length);
        try
        {
            var features = scratch.AsSpan(0, destination.Length);
            ComputeInto(samples, features, frames, rowStride, clip);
            TensorPrimitives.ConvertToHalf(features, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    // Features of one clip into rows of length rowStride; frames past `frames` get the floor value.
    private void ComputeInto(ReadOnlySpan<float> samples, Span<float> destination, int frames, int rowStride, int? clip)
    {
        float maxMel;
        fixed (float* x = samples)
        fixed (float* output = destination)
            maxMel = LogMel(x, samples.Length, output, frames, rowStride);
        if (!float.IsFinite(maxMel)) throw NonFinite(samples, clip);
        // log10 is monotonic, so the log of the largest energy is the largest log.
        Normalize(destination, frames, rowStride, Log10(new Vector<float>(maxMel))[0]);
    }

    /// <summary>
    /// Writes log10(max(mel, 1e-10)) of every frame to output[m·rowStride + frame] and returns the
    /// largest max(mel, 1e-10) (NaN or infinity when a sample was not finite: the max propagates NaN,
    /// the log would not).
    /// </summary>
    [SkipLocalsInit]
    private float LogMel(float* x, int sampleCount, float* output, int frames, int rowStride)
    {
        var length = Options.PadOrTrimTo30Seconds ? ChunkSamples : sampleCount; // the (padded or trimmed) waveform
        var available = Math.Min(sampleCount, length);                           // of which real samples
        // Frame f starts at sample f·hop − 200; once that is past the real samples the frame is all
        // zero padding (the right reflection only mirrors padding too), so its mel energies are 0.
        var computed = Math.Min(frames, (available + Pad + HopLength - 1) / HopLength);

        var half = NFft / 2;
        var bins = fft.Bins;
        // The FFT runs in double, FftLanes frames per pass; two passes fill one float vector of frames.
        // stackalloc only promises pointer alignment; vectors straddling cache lines cost about 15%.
        var bytes = (4 * half + 2 * bins) * sizeof(Vector<double>) + bins * sizeof(Vector<float>) + Lanes * NFft * sizeof(float);
        var scratch = stackalloc byte[bytes + CacheLine];
        var buffer = (Vector<double>*)(((nint)scratch + CacheLine - 1) & ~(nint)(CacheLine - 1));
        Vector<double>* re = buffer, im = re + half, workRe = im + half, workIm = workRe + half;
        Vector<double>* powerLow = workIm + half, powerHigh = powerLow + bins;
        var power = (Vector<float>*)(powerHigh + bins);
        var edgeFrames = (float*)(power + bins); // frames that need reflection or zero padding
        var sources = stackalloc float*[Lanes];
        var maxima = new Vector<float>(float.NegativeInfinity);

        fixed (double* w = window)
        fixed (int* starts = melStart)
        fixed (int* offsets = melOffsets)
        fixed (float* weights = melWeights)
        {
            for (var f0 = 0; f0 < computed; f0 += Lanes)
            {
                for (var lane = 0; lane < Lanes; lane++)
                {
                    // Lanes past the end repeat the last frame: harmless for the max, never stored.
                    var start = Math.Min(f0 + lane, computed - 1) * HopLength - Pad;
                    if (start >= 0 && start + NFft <= available)
                    {
                        sources[lane] = x + start;
                    }
                    else
                    {
                        sources[lane] = edgeFrames + lane * NFft;
                        FillEdgeFrame(x, available, length, start, sources[lane]);
                    }
                }
                Gather(sources, w, (double*)re, (double*)im);
                fft.Power(re, im, workRe, workIm, powerLow);
                Gather(sources + FftLanes, w, (double*)re, (double*)im);
                fft.Power(re, im, workRe, workIm, powerHigh);
                for (var k = 0; k < bins; k++) power[k] = Vector.Narrow(powerLow[k], powerHigh[k]);

                var count = Math.Min(Lanes, computed - f0);
                for (var m = 0; m < melStart.Length; m++)
                {
                    var mel = Vector<float>.Zero;
                    var p = power + starts[m];
                    for (int i = offsets[m], k = 0; i < offsets[m + 1]; i++, k++) mel = Vector.MultiplyAddEstimate(new Vector<float>(weights[i]), p[k], mel);
                    mel = Vector.Max(mel, new Vector<float>(MinMel));
                    maxima = Vector.Max(maxima, mel);
                    var log = Log10(mel);
                    var row = output + (long)m * rowStride + f0;
                    if (count == Lanes) *(Vector<float>*)row = log;
                    else for (var lane = 0; lane < count; lane++) row[lane] = log[lane];
                }
            }
        }

        var max = MinMel; // the value of silent frames, which are all that is left when none was computed
        for (var lane = 0; lane < Lanes; lane++) max = MathF.Max(max, maxima[lane]);
        for (var m = 0; m < melStart.Length; m++) new Span<float>(output + (long)m * rowStride + computed, frames - computed).Fill(silentLog);
        return max;
    }

    // Windowed frames of FftLanes lanes, transposed to [sample][lane] and split into even (real) and
    // odd (imaginary) samples, in double. Whole-vector stores matter: the FFT reads these right away,
    // and a vector load of memory just written lane by lane stalls on store forwarding.
    internal static void Gather(float** sources, double* w, double* re, double* im)
    {
        if (Avx.IsSupported && FftLanes == 4) GatherAvx(sources, w, re, im);
        else GatherScalar(sources, w, re, im);
    }

    internal static void GatherAvx(float** sources, double* w, double* re, double* im)
    {
        float* s0 = sources[0], s1 = sources[1], s2 = sources[2], s3 = sources[3];
        for (var n = 0; n < NFft; n += 4, re += 8, im += 8)
        {
            // 4×4 transpose: rows are lanes' samples n..n+3, columns become one sample across lanes.
            var r0 = Sse.LoadVector128(s0 + n);
            var r1 = Sse.LoadVector128(s1 + n);
            var r2 = Sse.LoadVector128(s2 + n);
            var r3 = Sse.LoadVector128(s3 + n);
            var t0 = Sse.UnpackLow(r0, r1);  // r0[0] r1[0] r0[1] r1[1]
            var t1 = Sse.UnpackHigh(r0, r1); // r0[2] r1[2] r0[3] r1[3]
            var t2 = Sse.UnpackLow(r2, r3);
            var t3 = Sse.UnpackHigh(r2, r3);
            var c0 = Sse.MoveLowToHigh(t0, t2); // sample n of lanes 0..3
            var c1 = Sse.MoveHighToLow(t2, t0); // sample n + 1
            var c2 = Sse.MoveLowToHigh(t1, t3); // sample n + 2
            var c3 = Sse.MoveHighToLow(t3, t1); // sample n + 3
            Avx.Store(re, Avx.Multiply(Avx.ConvertToVector256Double(c0), Vector256.Create(w[n])));
            Avx.Store(im, Avx.Multiply(Avx.ConvertToVector256Double(c1), Vector256.Create(w[n + 1])));
            Avx.Store(re + 4, Avx.Multiply(Avx.ConvertToVector256Double(c2), Vector256.Create(w[n + 2])));
            Avx.Store(im + 4, Avx.Multiply(Avx.ConvertToVector256Double(c3), Vector256.Create(w[n + 3])));
        }
    }

    internal static void GatherScalar(float** sources, double* w, double* re, double* im)
    {
        var lanes = FftLanes;
        for (var lane = 0; lane < lanes; lane++)
        {
            var source = sources[lane];
            for (var n = 0; n < NFft / 2; n++)
            {
                re[n * lanes + lane] = source[2 * n] * w[2 * n];
                im[n * lanes + lane] = source[2 * n + 1] * w[2 * n + 1];
            }
        }
    }

    // Samples start..start+NFft of the centred waveform: reflected at both ends of the (padded or
    // trimmed) waveform of `length` samples, zero past the `available` real ones.
    private static void FillEdgeFrame(float* x, int available, int length, int start, float* frame)
    {
        for (var n = 0; n < NFft; n++)
        {
            var j = start + n;
            if (j < 0) j = -j;
            else if (j >= length) j = 2 * (length - 1) - j;
            frame[n] = j < available ? x[j] : 0f;
        }
    }

    // floor at max − 8, then (x + 4) / 4; frames past `frames` (batch padding) take the floor value.
    private static void Normalize(Span<float> features, int frames, int rowStride, float max)
    {
        var floor = max - DynamicRange;
        var padding = (floor + 4f) / 4f;
        if (frames == rowStride)
        {
            NormalizeRun(features, floor);
            return;
        }
        for (var row = 0; row < features.Length; row += rowStride)
        {
            NormalizeRun(features.Slice(row, frames), floor);
            features.Slice(row + frames, rowStride - frames).Fill(padding);
        }
    }

    private static void NormalizeRun(Span<float> values, float floor)
    {
        // max(x, floor) / 4 + 1 rounds exactly like (max(x, floor) + 4) / 4: scaling by 4 is exact.
        var floors = new Vector<float>(floor);
        var quarter = new Vector<float>(0.25f);
        var i = 0;
        for (; i <= values.Length - Lanes; i += Lanes)
        {
            var v = new Vector<float>(values.Slice(i));
            (Vector.Max(v, floors) * quarter + Vector<float>.One).CopyTo(values.Slice(i));
        }
        for (; i < values.Length; i++) values[i] = MathF.Max(values[i], floor) * 0.25f + 1f;
    }

    /// <summary>
    /// log10 of positive normal floats (mel energies are clamped to at least 1e-10): Cephes' logf
    /// polynomial on the mantissa, within about an ulp, and some ten times faster than Vector.Log,
    /// which was a sixth of the whole pipeline. NaN and infinity do not survive it; callers check first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<float> Log10(Vector<float> x)
    {
        // x = 2^e · m with m in [√½, √2): subtracting √½'s bits moves the exponent boundary there.
        var adjusted = Vector.AsVectorInt32(x) - new Vector<int>(SqrtHalfBits);
        var exponent = Vector.ConvertToSingle(Vector.ShiftRightArithmetic(adjusted, 23));
        var f = Vector.AsVectorSingle((adjusted & new Vector<int>(0x007FFFFF)) + new Vector<int>(SqrtHalfBits)) - Vector<float>.One;
        var z = f * f;
        var p = new Vector<float>(7.0376836292E-2f);
        p = Vector.MultiplyAddEstimate(p, f, new Vector<float>(-1.1514610310E-1f));
        p = Vector.MultiplyAddEstimate(p, f, new Vector<float>(1.1676998740E-1f));
        p = Vector.MultiplyAddEstimate(p, f, new Vector<float>(-1.2420140846E-1f));
        p = Vector.MultiplyAddEstimate(p, f, new Vector<float>(1.4249322787E-1f));
        p = Vector.MultiplyAddEstimate(p, f, new Vector<float>(-1.6668057665E-1f));
        p = Vector.MultiplyAddEstimate(p, f, new Vector<float>(2.0000714765E-1f));
        p = Vector.MultiplyAddEstimate(p, f, new Vector<float>(-2.4999993993E-1f));
        p = Vector.MultiplyAddEstimate(p, f, new Vector<float>(3.3333331174E-1f));
        var ln = f + Vector.MultiplyAddEstimate(new Vector<float>(-0.5f), z, p * f * z); // ln(m)
        // e·log10(2) in two parts: e·Log10TwoHigh is exact (few mantissa bits), so only the last add rounds.
        var low = Vector.MultiplyAddEstimate(ln, new Vector<float>(Log10E), exponent * new Vector<float>(Log10TwoLow));
        return Vector.MultiplyAddEstimate(exponent, new Vector<float>(Log10TwoHigh), low);
    }

    private static ArgumentException NonFinite(ReadOnlySpan<float> samples, int? clip)
    {
        for (var i = 0; i < samples.Length; i++)
            if (!float.IsFinite(samples[i]))
                return Invalid($"sample {i} is {samples[i]}: audio must be finite", clip);
        return Invalid("the power spectrum overflowed float32: samples far outside [-1, 1]", clip);
    }
}
