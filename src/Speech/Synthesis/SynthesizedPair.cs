namespace Cluster.Speech.Synthesis;

/// <summary>One noisy/clean pair of an enhancement corpus and how it was mixed.</summary>
public sealed record SynthesizedPair(string Id, string NoisyPath, string CleanPath, double Duration, NoiseKind Noise, double SnrDb);
