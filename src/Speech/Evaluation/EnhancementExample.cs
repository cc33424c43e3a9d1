namespace Cluster.Speech.Evaluation;

/// <summary>A scored pair kept with its audio (16 kHz, equally long) so the report can plot it.</summary>
public sealed class EnhancementExample
{
    internal EnhancementExample(EnhancementResult result, float[] noisy, float[] enhanced, float[] clean)
    {
        Result = result;
        Noisy = noisy;
        Enhanced = enhanced;
        Clean = clean;
    }

    public EnhancementResult Result { get; }

    public ReadOnlyMemory<float> Noisy { get; }

    public ReadOnlyMemory<float> Enhanced { get; }

    public ReadOnlyMemory<float> Clean { get; }
}
