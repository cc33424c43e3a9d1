namespace Cluster.Speech.Models.Whisper;

/// <summary>One decoded item: the text tokens (no prompt, no end-of-text), their text when a tokenizer was given, the
/// language it was decoded in when known, and openai's average log-probability.</summary>
public sealed record WhisperTranscript(
    IReadOnlyList<int> Tokens,
    string? Text,
    string? Language,
    double SumLogProbability,
    double AverageLogProbability);
