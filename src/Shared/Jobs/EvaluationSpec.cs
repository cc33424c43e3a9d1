namespace Cluster.Shared.Jobs;

/// <summary>When and how the job evaluates, and when it stops early.</summary>
public sealed record EvaluationSpec
{
    /// <summary>Whisper's text context: a generation can never be longer.</summary>
    public const int HardMaxLength = 448;

    public int EverySteps { get; init; } = 1000;

    /// <summary>Decode with generation (needed for CER/WER), rather than only computing the loss.</summary>
    public bool Generate { get; init; } = true;

    /// <summary>Tokens a generated transcript may have (Hugging Face's <c>generation_max_length</c>).</summary>
    public int GenerationMaxLength { get; init; } = 225;

    public int BeamSize { get; init; } = 1;

    public EvaluationMetric Metric { get; init; } = EvaluationMetric.Loss;

    /// <summary>Stop after this many evaluations without improvement; null never stops early.</summary>
    public int? Patience { get; init; }
}
