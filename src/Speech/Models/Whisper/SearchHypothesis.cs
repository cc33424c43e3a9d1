namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// A finished hypothesis of <see cref="TokenSearch"/>: the tokens after the prompt, without the end-of-text that
/// closed them, and the sum of their log-probabilities (including that end-of-text's when the model chose it).
/// </summary>
public sealed record SearchHypothesis(IReadOnlyList<int> Tokens, double SumLogProbability)
{
    /// <summary>openai's <c>avg_logprob</c>: the sum over the tokens plus the end-of-text.</summary>
    public double AverageLogProbability => SumLogProbability / (Tokens.Count + 1);
}
