namespace Cluster.Shared.Checkpoints;

/// <summary>Whether a lower or a higher metric value is better.</summary>
public enum MetricMode
{
    Min,
    Max,
}
