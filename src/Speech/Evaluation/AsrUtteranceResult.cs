using Cluster.Speech.Text;

namespace Cluster.Speech.Evaluation;

/// <summary>One utterance of an <see cref="AsrReport"/>: the texts as given and as scored, with their alignments.</summary>
public sealed class AsrUtteranceResult
{
    internal AsrUtteranceResult(int index, string id, string reference, string hypothesis, UtteranceScore score)
    {
        Index = index;
        Id = id;
        Reference = reference;
        Hypothesis = hypothesis;
        Score = score;
    }

    /// <summary>Position in the evaluated manifest.</summary>
    public int Index { get; }

    public string Id { get; }

    /// <summary>The manifest's transcript, before normalization.</summary>
    public string Reference { get; }

    /// <summary>The transcriber's output, before normalization.</summary>
    public string Hypothesis { get; }

    /// <summary>Normalized texts and the word and character alignments.</summary>
    public UtteranceScore Score { get; }

    public double WordErrorRate => Score.Words.ErrorRate;

    public double CharacterErrorRate => Score.Characters.ErrorRate;
}
