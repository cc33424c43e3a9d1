namespace Cluster.GpuNode;

/// <summary>Work on the <see cref="TrainingWorker"/> threw.</summary>
public sealed record WorkFailed(Exception Error);
