namespace Cluster.Speech.Evaluation;

/// <summary>A speech-enhancement model as evaluation sees it: noisy 16 kHz waveforms in, enhanced ones out.</summary>
public interface IEnhancer
{
    /// <summary>One enhanced waveform per input, in the same order and of the same length as its input. Inputs of
    /// one batch may differ in length; the enhancer pads and trims as its model needs.</summary>
    IReadOnlyList<float[]> Enhance(IReadOnlyList<float[]> noisy16k);
}
