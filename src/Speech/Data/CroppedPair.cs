namespace Cluster.Speech.Data;

/// <summary>Equal-length windows of a noisy and a clean signal, cut at the same sample.</summary>
public sealed class CroppedPair
{
    internal CroppedPair(float[] noisy, float[] clean, int offset, int validLength)
    {
        Noisy = noisy;
        Clean = clean;
        Offset = offset;
        ValidLength = validLength;
    }

    public float[] Noisy { get; }

    public float[] Clean { get; }

    /// <summary>The first sample of the window in the source signals.</summary>
    public int Offset { get; }

    /// <summary>Samples that came from the signals; the rest, up to the crop length, is zero padding a loss should mask.</summary>
    public int ValidLength { get; }
}
