namespace Cluster.Speech.Synthesis;

/// <summary>One spoken sentence: 16 kHz mono samples and how they were made.</summary>
public sealed record SynthesizedUtterance(int Index, string Language, string Text, EspeakVoice Voice, float[] Samples)
{
    public double Duration => Samples.Length / (double)CorpusSynthesizer.SampleRate;
}
