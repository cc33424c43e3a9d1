namespace Cluster.Coordinator.Jobs;

/// <summary>How a pause or stop ended, in the words the CLI prints.</summary>
/// <param name="Step">The step the job continues from: the checkpoint's, or 0 with none.</param>
/// <param name="FellBack">True when the step the trainers were held at could not be checkpointed and an older
/// checkpoint (or none) is what remains.</param>
public sealed record HoldOutcome(HoldIntent Intent, long Step, bool FellBack, string Message);
