using System.Text;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;

namespace Cluster.Speech.Batching;

/// <summary>
/// Reads, checks and crops (and, with a mixer, mixes with noise) the examples of one planned batch. The randomness
/// comes from (seed, epoch, batch id, row) only, so whichever data node builds a batch produces the same bytes.
/// </summary>
public sealed class EnhancementBatchBuilder
{
    private readonly EnhancementBatchOptions _options;

    public EnhancementBatchBuilder(EnhancementBatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Mixer is not null && options.Noises.Count == 0)
            throw new ArgumentException("Mixing on the fly needs at least one noise recording.", nameof(options));
        if (options.Noises.Any(n => n.Length == 0 || !n.All(float.IsFinite)))
            throw new ArgumentException("Every noise recording must be non-empty and finite.", nameof(options));
        _options = options;
    }

    /// <summary>
    /// Crops of the pairs: noisy and clean recordings, or (with <see cref="EnhancementBatchOptions.Mixer"/>) the clean
    /// recording mixed with a noise. A pair that cannot be used (unreadable, NaN/Inf, lengths that differ, a silent
    /// window to mix) is left out and listed in <see cref="EnhancementBatch.Skipped"/>.
    /// </summary>
    public EnhancementBatch Build(string batchId, int epoch, IReadOnlyList<EnhancementPair> pairs)
    {
        ArgumentException.ThrowIfNullOrEmpty(batchId);
        ArgumentNullException.ThrowIfNull(pairs);
        int length = _options.CropSamples;
        ulong batchKey = StableHash(batchId);
        var ids = new List<string>(pairs.Count);
        var noisy = new List<float[]>(pairs.Count);
        var clean = new List<float[]>(pairs.Count);
        var skipped = new List<SkippedItem>();
        var inputSiSnr = new List<double>(pairs.Count);
        long validSamples = 0;
        for (int row = 0; row < pairs.Count; row++)
        {
            var pair = pairs[row];
            var rng = SplitMix64.Derive(_options.Seed, (ulong)epoch, batchKey, (ulong)row);
            string? reason = _options.Mixer is { } mixer ? TryMix(pair, mixer, rng, out var example) : TryCrop(pair, rng, out example);
            if (reason is not null)
            {
                skipped.Add(new SkippedItem(pair.Id, _options.Mixer is null ? pair.NoisyPath : pair.CleanPath, reason));
                continue;
            }
            ids.Add(pair.Id);
            noisy.Add(example.Noisy);
            clean.Add(example.Clean);
            validSamples += example.Valid;
            // Over the real samples only: a padded tail of zeros would count as a perfect match.
            inputSiSnr.Add(SignalMetrics.SiSnr(example.Noisy.AsSpan(0, example.Valid), example.Clean.AsSpan(0, example.Valid)));
        }
        return new EnhancementBatch(batchId, ids, length, Concatenate(noisy, length), Concatenate(clean, length), skipped)
        {
            AudioSeconds = (double)validSamples / _options.SampleRate,
            PaddedSeconds = (double)ids.Count * length / _options.SampleRate,
            InputSiSnrDb = inputSiSnr,
        };
    }

    // Valid: the samples of the window that are audio, not the zeros padding a short recording.
    private string? TryCrop(EnhancementPair pair, SplitMix64 rng, out (float[] Noisy, float[] Clean, int Valid) example)
    {
        example = default;
        string? reason = TryReadCrop([(pair.NoisyPath, "noisy"), (pair.CleanPath, "clean")], rng, out var windows, out int valid);
        if (reason is null) example = (windows[0], windows[1], valid);
        return reason;
    }

    private string? TryMix(EnhancementPair pair, NoiseMixer mixer, SplitMix64 rng, out (float[] Noisy, float[] Clean, int Valid) example)
    {
        example = default;
        string? reason = TryReadCrop([(pair.CleanPath, "clean")], rng, out var windows, out int valid);
        if (reason is not null) return reason;
        var clean = windows[0];
        var noise = _options.Noises[rng.NextInt(_options.Noises.Count)];
        if (!clean.Any(s => s != 0)) return "the cropped clean window is silent, so no SNR can be set";
        var mixed = mixer.Mix(clean, noise, rng);
        example = (mixed.Mixture, mixed.Clean, valid);
        return null;
    }

    /// <summary>
    /// The same crop window of each file (sample-aligned recordings of one pair). Only the window is decoded: the
    /// headers give the lengths, the offset is drawn from them, and the read seeks to it, which for a long recording
    /// costs a fraction of decoding and resampling the whole file (about 17× less for a 62 s 48 kHz MP3 and a 0.25 s
    /// crop), with the same samples as that slice of a whole read. Whole files are read instead where the window
    /// cannot be trusted: a file no longer than the crop (it is padded), headers that disagree on the length (the
    /// whole read gives the true lengths, and the error if they differ) or a header that overstates it.
    /// Only the samples that train are checked for NaN/Inf.
    /// </summary>
    private string? TryReadCrop((string Path, string Side)[] files, SplitMix64 rng, out float[][] windows, out int validSamples)
    {
        windows = [];
        validSamples = 0;
        int length = _options.CropSamples;
        var frames = new long[files.Length];
        for (int i = 0; i < files.Length; i++)
        {
            try
            {
                var info = AudioFile.Probe(files[i].Path);
                frames[i] = (long)Math.Round((double)info.Frames * _options.SampleRate / info.SampleRate);
            }
            catch (Exception error) when (error is IOException or UnauthorizedAccessException)
            {
                return $"unreadable {files[i].Side} audio: {error.Message}";
            }
        }
        if (frames.All(f => f == frames[0]) && frames[0] > length && frames[0] <= int.MaxValue)
        {
            int offset = EnhancementCropper.DrawOffset(frames[0], length, rng);
            windows = new float[files.Length][];
            for (int i = 0; i < files.Length; i++)
            {
                var window = new AudioReadOptions { TargetSampleRate = _options.SampleRate, Offset = (double)offset / _options.SampleRate, Duration = (double)length / _options.SampleRate };
                string? reason = TryRead(files[i].Path, files[i].Side, window, offset, out windows[i]);
                if (reason is not null) return reason;
                // The header overstated the length: crop the whole read at the drawn offset, moved back to fit.
                if (windows[i].Length < length) return TryReadWholeAndCrop(files, total => offset, out windows, out validSamples);
            }
            validSamples = length;
            return null;
        }
        return TryReadWholeAndCrop(files, total => total > length ? EnhancementCropper.DrawOffset(total, length, rng) : 0, out windows, out validSamples);
    }

    private string? TryReadWholeAndCrop((string Path, string Side)[] files, Func<int, int> offsetFor, out float[][] windows, out int validSamples)
    {
        windows = [];
        validSamples = 0;
        var whole = new float[files.Length][];
        var read = new AudioReadOptions { TargetSampleRate = _options.SampleRate };
        for (int i = 0; i < files.Length; i++)
        {
            string? reason = TryRead(files[i].Path, files[i].Side, read, firstSample: 0, out whole[i]);
            if (reason is not null) return reason;
        }
        float[] first = whole[0], second = whole[^1];
        if (first.Length != second.Length)
            return $"{files[0].Side} has {first.Length} samples but {files[^1].Side} has {second.Length}: the pair is not aligned";
        var crop = EnhancementCropper.CropAt(first, second, _options.CropSamples, offsetFor(first.Length));
        windows = files.Length == 2 ? [crop.Noisy, crop.Clean] : [crop.Clean];
        validSamples = crop.ValidLength;
        return null;
    }

    private string? TryRead(string path, string side, AudioReadOptions read, long firstSample, out float[] samples)
    {
        samples = [];
        try
        {
            samples = AudioFile.Read(path, read).Samples;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return $"unreadable {side} audio: {error.Message}";
        }
        if (samples.Length == 0) return $"{side} audio has no samples";
        int firstBad = Array.FindIndex(samples, s => !float.IsFinite(s));
        return firstBad >= 0 ? $"{side} audio has a NaN/Inf sample at {(double)(firstSample + firstBad) / _options.SampleRate:0.###} s" : null;
    }

    private static float[] Concatenate(List<float[]> rows, int length)
    {
        var all = new float[rows.Count * length];
        for (int i = 0; i < rows.Count; i++) rows[i].CopyTo(all, i * length);
        return all;
    }

    // FNV-1a: string.GetHashCode is randomized per process, and two data nodes must derive the same stream.
    private static ulong StableHash(string text)
    {
        ulong hash = 14695981039346656037;
        foreach (byte b in Encoding.UTF8.GetBytes(text)) hash = (hash ^ b) * 1099511628211;
        return hash;
    }
}
