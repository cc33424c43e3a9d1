namespace Cluster.Speech.Audio;

/// <summary>
/// Sample-rate conversion with libsoxr at high quality (SOXR_HQ), float32 interleaved frames.
/// Use <see cref="Resample"/> for a whole buffer, or an instance for a stream: feed chunks to
/// <see cref="Process"/>, then call <see cref="Flush"/> once at the end of the input to get the tail
/// that the filter still holds. A whole stream yields round(frames · outputRate / inputRate) frames.
/// </summary>
public sealed unsafe class Resampler : IDisposable
{
    private IntPtr _soxr;
    private float[] _output = new float[4096];
    private bool _flushed;

    public Resampler(int inputRate, int outputRate, int channels = 1)
    {
        ValidateRates(inputRate, outputRate, channels);
        InputRate = inputRate;
        OutputRate = outputRate;
        Channels = channels;
        var quality = CreateQualitySpec();
        byte* error = null;
        _soxr = LibSoxr.soxr_create(inputRate, outputRate, (uint)channels, &error, null, &quality, null);
        if (_soxr == IntPtr.Zero || error != null)
            throw new InvalidOperationException($"soxr_create({inputRate} Hz → {outputRate} Hz, {channels} channels) failed: {LibSoxr.Message(error) ?? "no message"}");
    }

    public int InputRate { get; }
    public int OutputRate { get; }
    public int Channels { get; }

    /// <summary>
    /// Resamples a chunk of interleaved frames. The result is whatever output the filter could produce
    /// so far (it lags the input by the filter delay); it lives in a buffer that the next call reuses.
    /// </summary>
    public ReadOnlyMemory<float> Process(ReadOnlySpan<float> input)
    {
        ThrowIfUnusable();
        if (input.Length % Channels != 0)
            throw new ArgumentException($"input holds {input.Length} samples, not a whole number of {Channels}-channel frames", nameof(input));
        // soxr reads an empty chunk (a null pointer) as the end of the input, so never pass one.
        if (input.IsEmpty) return ReadOnlyMemory<float>.Empty;
        var inputFrames = input.Length / Channels;
        var written = 0;
        fixed (float* inputStart = input)
        {
            var consumed = 0;
            while (consumed < inputFrames)
            {
                EnsureOutputRoom(written, (long)inputFrames - consumed);
                nuint inputDone, outputDone;
                fixed (float* output = _output)
                {
                    var error = LibSoxr.soxr_process(_soxr, inputStart + (long)consumed * Channels, (nuint)(inputFrames - consumed), &inputDone,
                        output + written, (nuint)((_output.Length - written) / Channels), &outputDone);
                    if (error != null) throw new InvalidOperationException($"soxr_process failed: {LibSoxr.Message(error)}");
                }
                if (inputDone == 0 && outputDone == 0) throw new InvalidOperationException("soxr_process made no progress");
                consumed += (int)inputDone;
                written += (int)outputDone * Channels;
            }
        }
        return new ReadOnlyMemory<float>(_output, 0, written);
    }

    /// <summary>Ends the input and returns the remaining output. The resampler cannot be fed afterwards.</summary>
    public ReadOnlyMemory<float> Flush()
    {
        ThrowIfUnusable();
        _flushed = true;
        var written = 0;
        while (true)
        {
            EnsureOutputRoom(written, 0);
            nuint outputDone;
            fixed (float* output = _output)
            {
                var error = LibSoxr.soxr_process(_soxr, null, 0, null, output + written, (nuint)((_output.Length - written) / Channels), &outputDone);
                if (error != null) throw new InvalidOperationException($"soxr_process (flush) failed: {LibSoxr.Message(error)}");
            }
            if (outputDone == 0) break;
            written += (int)outputDone * Channels;
        }
        return new ReadOnlyMemory<float>(_output, 0, written);
    }

    /// <summary>Resamples a whole buffer of interleaved frames in one call (soxr_oneshot, same quality as a stream).</summary>
    public static float[] Resample(ReadOnlySpan<float> input, int inputRate, int outputRate, int channels = 1)
    {
        ValidateRates(inputRate, outputRate, channels);
        if (input.Length % channels != 0)
            throw new ArgumentException($"input holds {input.Length} samples, not a whole number of {channels}-channel frames", nameof(input));
        var inputFrames = input.Length / channels;
        if (inputFrames == 0) return [];
        // A little room beyond the nominal length: soxr rounds the output count to nearest.
        var capacityFrames = (long)Math.Ceiling((double)inputFrames * outputRate / inputRate) + 16;
        var output = new float[capacityFrames * channels];
        var quality = CreateQualitySpec();
        nuint inputDone, outputDone;
        fixed (float* source = input)
        fixed (float* destination = output)
        {
            var error = LibSoxr.soxr_oneshot(inputRate, outputRate, (uint)channels, source, (nuint)inputFrames, &inputDone,
                destination, (nuint)capacityFrames, &outputDone, null, &quality, null);
            if (error != null) throw new InvalidOperationException($"soxr_oneshot failed: {LibSoxr.Message(error)}");
        }
        Array.Resize(ref output, (int)outputDone * channels);
        return output;
    }

    public void Dispose()
    {
        if (_soxr == IntPtr.Zero) return;
        LibSoxr.soxr_delete(_soxr);
        _soxr = IntPtr.Zero;
    }

    private static LibSoxr.QualitySpec CreateQualitySpec()
    {
        LibSoxr.Require();
        return LibSoxr.soxr_quality_spec(LibSoxr.HighQuality, 0);
    }

    private static void ValidateRates(int inputRate, int outputRate, int channels)
    {
        if (inputRate <= 0) throw new ArgumentOutOfRangeException(nameof(inputRate), inputRate, "sample rate must be positive");
        if (outputRate <= 0) throw new ArgumentOutOfRangeException(nameof(outputRate), outputRate, "sample rate must be positive");
        if (channels <= 0) throw new ArgumentOutOfRangeException(nameof(channels), channels, "channel count must be positive");
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_soxr == IntPtr.Zero, this);
        if (_flushed) throw new InvalidOperationException("the resampler was flushed; its input has ended");
    }

    /// <summary>
    /// Makes room for the output of <paramref name="pendingInputFrames"/> more input frames plus what the
    /// filter may still release, so one soxr call can take the whole chunk.
    /// </summary>
    private void EnsureOutputRoom(int written, long pendingInputFrames)
    {
        var neededFrames = (long)Math.Ceiling((double)pendingInputFrames * OutputRate / InputRate) + 1024;
        var needed = written + neededFrames * Channels;
        if (needed <= _output.Length) return;
        Array.Resize(ref _output, (int)Math.Max(needed, 2L * _output.Length));
    }
}
