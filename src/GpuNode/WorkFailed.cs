namespace Cluster.GpuNode;

/// <summary>Work on the <see cref="TrainingWorker"/> threw; <paramref name="Generation"/> is the process group the work
/// belonged to, so failures of an aborted group are told apart from real ones.</summary>
public sealed record WorkFailed(Exception Error, long Generation);
