namespace Cluster.Shared.Jobs;

/// <summary>What evaluation measures.</summary>
public enum EvaluationMetric
{
    /// <summary>Character error rate (Chinese, Japanese, ...); lower is better.</summary>
    Cer,

    /// <summary>Word error rate; lower is better.</summary>
    Wer,

    /// <summary>SI-SNR improvement in dB over the mixture; higher is better.</summary>
    SiSnri,

    /// <summary>Evaluation loss; lower is better.</summary>
    Loss,
}
