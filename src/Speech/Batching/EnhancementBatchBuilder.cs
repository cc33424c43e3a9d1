using System.Text;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;

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
        }
        return new EnhancementBatch(batchId, ids, length, Concatenate(noisy, length), Concatenate(clean, length), skipped);
    }

    private string? TryCrop(EnhancementPair pair, SplitMix64 rng, out (float[] Noisy, float[] Clean) example)
    {
        example = default;
        string? reason = TryRead(pair.NoisyPath, "noisy", out float[] noisy);
        if (reason is not null) return reason;
        reason = TryRead(pair.CleanPath, "clean", out float[] clean);
        if (reason is not null) return reason;
        if (noisy.Length != clean.Length)
            return $"noisy has {noisy.Length} samples but clean has {clean.Length}: the pair is not aligned";
        var crop = EnhancementCropper.Crop(noisy, clean, _options.CropSamples, rng);
        example = (crop.Noisy, crop.Clean);
        return null;
    }

    private string? TryMix(EnhancementPair pair, NoiseMixer mixer, SplitMix64 rng, out (float[] Noisy, float[] Clean) example)
    {
        example = default;
        string? reason = TryRead(pair.CleanPath, "clean", out float[] clean);
        if (reason is not null) return reason;
        var crop = EnhancementCropper.Crop(clean, clean, _options.CropSamples, rng);
        var noise = _options.Noises[rng.NextInt(_options.Noises.Count)];
        if (!crop.Clean.Any(s => s != 0)) return "the cropped clean window is silent, so no SNR can be set";
        var mixed = mixer.Mix(crop.Clean, noise, rng);
        example = (mixed.Mixture, mixed.Clean);
        return null;
    }

    private string? TryRead(string path, string side, out float[] samples)
    {
        samples = [];
        try
        {
            samples = AudioFile.Read(path, new AudioReadOptions { TargetSampleRate = _options.SampleRate }).Samples;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return $"unreadable {side} audio: {error.Message}";
        }
        if (samples.Length == 0) return $"{side} audio has no samples";
        int firstBad = Array.FindIndex(samples, s => !float.IsFinite(s));
        return firstBad >= 0 ? $"{side} audio has a NaN/Inf sample at {(double)firstBad / _options.SampleRate:0.###} s" : null;
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
