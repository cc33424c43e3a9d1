using Cluster.Speech.Text;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// How <see cref="Whisper.Generate"/> transcribes, with openai/whisper's <c>DecodingOptions</c> defaults at temperature
/// 0 and without timestamps.
/// </summary>
public sealed record WhisperDecodingOptions
{
    /// <summary>Whisper's text context: no decoding runs past 448 positions.</summary>
    public const int MaxTextTokens = 448;

    /// <summary>A language code; null with a multilingual tokenizer detects each item's language first.</summary>
    public string? Language { get; init; }

    public WhisperTask Task { get; init; } = WhisperTask.Transcribe;

    /// <summary>The decoder prompt, replacing the one built from <see cref="Language"/> and <see cref="Task"/>;
    /// required without a tokenizer unless the model's <c>decoder_start_token_id</c> alone will do.</summary>
    public IReadOnlyList<int>? Prompt { get; init; }

    /// <summary>Beam width; null decodes greedily.</summary>
    public int? BeamSize { get; init; }

    /// <summary>Beam search only: keep searching until round(beam · patience) hypotheses have finished.</summary>
    public double? Patience { get; init; }

    /// <summary>Null ranks finished beams by log-probability over length; α in [0, 1] by Google NMT's
    /// ((5 + length) / 6)^α.</summary>
    public double? LengthPenalty { get; init; }

    /// <summary>Tokens generated at most (1 to 448); decoding also stops where the prompt and the new tokens fill the
    /// model's text context.</summary>
    public int MaxNewTokens { get; init; } = 225;

    /// <summary>Forbid a blank start: the space token and end-of-text at the first step.</summary>
    public bool SuppressBlank { get; init; } = true;

    /// <summary>Tokens never generated; -1 stands for Whisper's non-speech symbols (needs a tokenizer to spell them). With
    /// a tokenizer the control tokens (start of transcript, task, previous, LM, no-speech) are always suppressed.</summary>
    public IReadOnlyList<int> SuppressTokens { get; init; } = [-1];
}
