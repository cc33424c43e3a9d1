namespace Cluster.Coordinator.Runtime;

/// <summary>One point of the status page's charts: the job as it stood when the coordinator saw a new step.</summary>
/// <param name="Seq">Numbers the samples of a run from 1, so a page asks only for those it has not seen.</param>
/// <param name="DataStall">The largest share of the step a rank waited for its batch (0..1).</param>
public sealed record StatusSample(long Seq, double UnixSeconds, long Step, int Epoch, double Loss, double LearningRate, double ExamplesPerSecond, double DataStall);
