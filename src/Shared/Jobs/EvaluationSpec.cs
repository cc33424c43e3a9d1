using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Text;

namespace Cluster.Shared.Jobs;

/// <summary>When and how the job evaluates, and when it stops early.</summary>
public sealed record EvaluationSpec
{
    /// <summary>Whisper's text context: a generation can never be longer.</summary>
    public const int HardMaxLength = 448;

    /// <summary>The widest beam a job spec or <c>cluster eval</c> accepts.</summary>
    public const int MaxBeamSize = 32;

    public int EverySteps { get; init; } = 1000;

    /// <summary>Decode with generation (needed for CER/WER), rather than only computing the loss.</summary>
    public bool Generate { get; init; } = true;

    /// <summary>Tokens a generated transcript may have (Hugging Face's <c>generation_max_length</c>).</summary>
    public int GenerationMaxLength { get; init; } = 225;

    public int BeamSize { get; init; } = 1;

    public EvaluationMetric Metric { get; init; } = EvaluationMetric.Loss;

    /// <summary>Stop after this many evaluations without improvement; null never stops early.</summary>
    public int? Patience { get; init; }

    /// <summary>How Whisper transcribes for this evaluation: greedy for a beam of 1, at most
    /// <see cref="GenerationMaxLength"/> new tokens.</summary>
    /// <param name="language">The data's language code; null lets a multilingual model detect it.</param>
    public WhisperDecodingOptions Decoding(string? language, WhisperTask task) => new()
    {
        Language = language,
        Task = task,
        BeamSize = BeamSize > 1 ? BeamSize : null,
        MaxNewTokens = GenerationMaxLength,
    };
}
