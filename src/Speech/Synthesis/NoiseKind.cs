namespace Cluster.Speech.Synthesis;

/// <summary>The noises enhancement corpora are mixed with.</summary>
public enum NoiseKind
{
    White,
    Pink,
    /// <summary>Several other utterances talking at once.</summary>
    Babble,
    /// <summary>A few steady sinusoids (hum, whine).</summary>
    Tones,
}
