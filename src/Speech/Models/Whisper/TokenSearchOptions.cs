namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// How <see cref="TokenSearch"/> searches, with every token id already resolved (openai/whisper <c>decoding.py</c>
/// semantics). <see cref="WhisperDecodingOptions"/> is the user-facing form that a tokenizer turns into this.
/// </summary>
public sealed record TokenSearchOptions
{
    /// <summary>The token that ends a hypothesis.</summary>
    public required int EndOfText { get; init; }

    /// <summary>Steps to run at most; hypotheses still open then end there.</summary>
    public required int MaxNewTokens { get; init; }

    /// <summary>Beam width; null searches greedily.</summary>
    public int? BeamSize { get; init; }

    /// <summary>Beam search stops once round(beam · patience) hypotheses have finished per item (1 when null).</summary>
    public double? Patience { get; init; }

    /// <summary>Ranking of finished beams: null divides the log-probability sum by the length, a value α by
    /// ((5 + length) / 6)^α (Google NMT).</summary>
    public double? LengthPenalty { get; init; }

    /// <summary>Tokens never produced.</summary>
    public IReadOnlyList<int> SuppressTokens { get; init; } = [];

    /// <summary>Tokens not produced at the first step (openai's suppress_blank: the space and end-of-text).</summary>
    public IReadOnlyList<int> SuppressAtBegin { get; init; } = [];
}
