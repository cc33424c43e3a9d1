using Cluster.Shared.Checkpoints;

namespace Cluster.Shared.Jobs;

/// <summary>Where and how often checkpoints are written and which are kept.</summary>
public sealed record CheckpointingSpec
{
    /// <summary>The folder holding the <c>checkpoint-&lt;step&gt;/</c> directories.</summary>
    public string Directory { get; init; } = "checkpoints";

    public int EverySteps { get; init; } = 1000;

    public int KeepLast { get; init; } = 2;

    public int KeepBest { get; init; } = 1;

    /// <summary>The metric "best" is judged by; the loader defaults it to the evaluation metric.</summary>
    public EvaluationMetric Metric { get; init; } = EvaluationMetric.Loss;

    /// <summary>Whether lower or higher is better; the loader defaults it to what suits the metric.</summary>
    public MetricMode Mode { get; init; } = MetricMode.Min;

    /// <summary>How long a pause, stop or SIGTERM waits for the trainers to finish their step and write its checkpoint
    /// before it falls back to the last complete one. It must cover up to two training steps and one checkpoint write;
    /// a Kubernetes pod's terminationGracePeriodSeconds should exceed it.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(120);
}
