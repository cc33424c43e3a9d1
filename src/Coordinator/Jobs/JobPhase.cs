namespace Cluster.Coordinator.Jobs;

/// <summary>Where a job is in its life.</summary>
public enum JobPhase
{
    /// <summary>Not enough trainers or data nodes yet to form a group (at start, or after one was lost).</summary>
    Waiting,

    Training,

    /// <summary>The group was aborted on request; <c>resume</c> forms it again from the latest checkpoint.</summary>
    Paused,

    Finished,
}
