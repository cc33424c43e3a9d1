namespace Cluster.Speech.Evaluation;

/// <summary>The scores of one noisy/clean pair, in dB.</summary>
/// <param name="Index">Position in the evaluated manifest.</param>
/// <param name="SiSnrNoisy">SI-SNR of the mixture against the clean reference: how hard the input was.</param>
/// <param name="SiSnrEnhanced">SI-SNR of the enhancer's output against the clean reference.</param>
/// <param name="SiSnrImprovement">SI-SNRi: <paramref name="SiSnrEnhanced"/> − <paramref name="SiSnrNoisy"/>.</param>
/// <param name="SnrEnhanced">Plain SNR of the output, which unlike SI-SNR also counts a wrong output level.</param>
public sealed record EnhancementResult(int Index, string Id, double SiSnrNoisy, double SiSnrEnhanced, double SiSnrImprovement, double SnrEnhanced);
