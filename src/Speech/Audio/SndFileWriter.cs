using System.Buffers;

namespace Cluster.Speech.Audio;

/// <summary>
/// Writes float samples through libsndfile into a temporary file next to the target and renames it
/// into place, so a reader never sees a half-written file.
/// </summary>
internal static unsafe class SndFileWriter
{
    private const int ChunkFrames = 65536;

    /// <param name="format">SF_FORMAT_* major | subtype.</param>
    /// <param name="integerBits">
    /// For PCM subtypes, the stored width: samples are quantised here as round(x · 2^(bits-1)), clipped,
    /// so a value read back as n / 2^(bits-1) (libsndfile's read scaling) is written back as exactly n.
    /// libsndfile's own float-to-int path scales by 2^(bits-1) - 1 and would shift every value by a step.
    /// 0 hands the floats to libsndfile as they are (float subtypes and lossy encoders).
    /// </param>
    public static void Write(string path, ReadOnlySpan<float> samples, int sampleRate, int channels, int format, int integerBits)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (samples.Length % channels != 0)
            throw new ArgumentException($"{samples.Length} samples is not a whole number of {channels}-channel frames", nameof(samples));
        var bad = IndexOfNonFinite(samples);
        if (bad >= 0) throw new ArgumentException($"sample {bad} is {samples[bad]}; audio must be finite", nameof(samples));

        LibSndFile.Require();
        var info = new LibSndFile.Info { SampleRate = sampleRate, Channels = channels, Format = format };
        var description = $"{LibSndFile.FormatName(format & LibSndFile.TypeMask)}, {LibSndFile.FormatName(format & LibSndFile.SubMask)}";
        if (!LibSndFile.CanWrite(ref info))
            throw new ArgumentException($"libsndfile cannot write {description} at {sampleRate} Hz with {channels} channels");

        var fullPath = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(fullPath)!;
        var temporary = System.IO.Path.Combine(directory, $".{System.IO.Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var file = LibSndFile.Open(temporary, LibSndFile.WriteMode, ref info, out _, out var openError);
            using (file)
            {
                if (file.IsInvalid)
                    throw new IOException($"{path}: cannot create {description} file: {openError}");
                if (integerBits > 0) WriteQuantised(file, path, samples, channels, integerBits);
                else WriteFloats(file, path, samples, channels);
                if (file.CloseAndCheck() != 0)
                    throw new IOException($"{path}: finishing the {description} file failed");
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }

    private static void WriteFloats(SndFileHandle file, string path, ReadOnlySpan<float> samples, int channels)
    {
        var frames = samples.Length / channels;
        fixed (float* source = samples)
        {
            for (var done = 0; done < frames; done += ChunkFrames)
            {
                var count = Math.Min(ChunkFrames, frames - done);
                var written = LibSndFile.sf_writef_float(file, source + (long)done * channels, count);
                if (written != count) throw new IOException($"{path}: wrote {done + Math.Max(written, 0)} of {frames} frames: {LibSndFile.ErrorMessage(file)}");
            }
        }
    }

    private static void WriteQuantised(SndFileHandle file, string path, ReadOnlySpan<float> samples, int channels, int bits)
    {
        var frames = samples.Length / channels;
        var scale = Math.ScaleB(1.0, bits - 1);
        var shift = 32 - bits;
        var buffer = ArrayPool<int>.Shared.Rent(ChunkFrames * channels);
        try
        {
            for (var done = 0; done < frames; done += ChunkFrames)
            {
                var count = Math.Min(ChunkFrames, frames - done);
                var chunk = samples.Slice(done * channels, count * channels);
                for (var i = 0; i < chunk.Length; i++)
                {
                    // Round half to even, as libsndfile's lrint does; clip rather than wrap around.
                    var level = Math.Clamp(Math.Round(chunk[i] * scale), -scale, scale - 1);
                    buffer[i] = (int)level << shift;
                }
                long written;
                fixed (int* source = buffer)
                    written = LibSndFile.sf_writef_int(file, source, count);
                if (written != count) throw new IOException($"{path}: wrote {done + Math.Max(written, 0)} of {frames} frames: {LibSndFile.ErrorMessage(file)}");
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    private static int IndexOfNonFinite(ReadOnlySpan<float> samples)
    {
        for (var i = 0; i < samples.Length; i++)
            if (!float.IsFinite(samples[i])) return i;
        return -1;
    }
}
