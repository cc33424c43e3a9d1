namespace Cluster.Speech.Data;

/// <summary>Cuts fixed-length training windows from sample-aligned noisy/clean pairs.</summary>
public static class EnhancementCropper
{
    /// <summary>
    /// A window of <paramref name="length"/> samples starting at one random offset in both signals, so the target
    /// stays aligned with the input. A pair shorter than the window is zero-padded at the end, with
    /// <see cref="CroppedPair.ValidLength"/> saying how much is real: dropping short clips (as ESPnet's chunk iterator
    /// does) would silently lose much of a corpus like VoiceBank-DEMAND, whose clips are often shorter than a 4 s crop.
    /// </summary>
    /// <exception cref="ArgumentException">The signals differ in length: the pair is mismatched, and cropping it
    /// would train on misaligned targets. The caller, who knows the pair's files, reports it.</exception>
    public static CroppedPair Crop(float[] noisy, float[] clean, int length, SplitMix64 rng)
    {
        ArgumentNullException.ThrowIfNull(noisy);
        ArgumentNullException.ThrowIfNull(rng);
        int offset = noisy.Length <= length ? 0 : DrawOffset(noisy.Length, length, rng);
        return CropAt(noisy, clean, length, offset);
    }

    /// <summary>
    /// Where a window of <paramref name="length"/> samples starts in a signal of <paramref name="signalLength"/> samples
    /// that is longer than it: the one draw <see cref="Crop"/> makes, for a caller that reads only the window.
    /// </summary>
    public static int DrawOffset(long signalLength, int length, SplitMix64 rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(signalLength, length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(signalLength, (long)int.MaxValue);
        return rng.NextInt((int)(signalLength - length + 1));
    }

    /// <summary>The window at <paramref name="offset"/> (clamped so that it ends inside the signals), or the whole signals zero-padded when they are no longer than it.</summary>
    public static CroppedPair CropAt(float[] noisy, float[] clean, int length, int offset)
    {
        ArgumentNullException.ThrowIfNull(noisy);
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (noisy.Length != clean.Length)
            throw new ArgumentException($"noisy has {noisy.Length} samples but clean has {clean.Length}: the pair is not aligned", nameof(clean));
        if (noisy.Length <= length)
        {
            float[] paddedNoisy = new float[length];
            float[] paddedClean = new float[length];
            noisy.CopyTo(paddedNoisy, 0);
            clean.CopyTo(paddedClean, 0);
            return new CroppedPair(paddedNoisy, paddedClean, 0, noisy.Length);
        }
        offset = Math.Min(offset, noisy.Length - length);
        return new CroppedPair(noisy.AsSpan(offset, length).ToArray(), clean.AsSpan(offset, length).ToArray(), offset, length);
    }
}
