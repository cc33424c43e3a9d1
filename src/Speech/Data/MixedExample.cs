namespace Cluster.Speech.Data;

/// <summary>A training example made by adding scaled noise to clean speech.</summary>
public sealed class MixedExample
{
    internal MixedExample(float[] mixture, float[] clean, double snrDb, int noiseOffset)
    {
        Mixture = mixture;
        Clean = clean;
        SnrDb = snrDb;
        NoiseOffset = noiseOffset;
    }

    /// <summary>Clean plus scaled noise; the model's input.</summary>
    public float[] Mixture { get; }

    /// <summary>The clean speech; the model's target.</summary>
    public float[] Clean { get; }

    /// <summary>10·log10(clean power / added noise power) of this example, in dB.</summary>
    public double SnrDb { get; }

    /// <summary>The noise sample the mixture's first sample took its noise from.</summary>
    public int NoiseOffset { get; }
}
