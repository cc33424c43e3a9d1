namespace Cluster.Speech.Text;

/// <summary>One utterance's word and character alignments, as added to an <see cref="ErrorRateAccumulator"/>.</summary>
public sealed class UtteranceScore
{
    internal UtteranceScore(string reference, string hypothesis, Alignment words, Alignment characters)
    {
        Reference = reference;
        Hypothesis = hypothesis;
        Words = words;
        Characters = characters;
    }

    /// <summary>The reference as scored (after the accumulator's normalizer, if it has one).</summary>
    public string Reference { get; }

    /// <summary>The hypothesis as scored (after the accumulator's normalizer, if it has one).</summary>
    public string Hypothesis { get; }

    public Alignment Words { get; }

    public Alignment Characters { get; }
}
