namespace Cluster.Coordinator.Jobs;

/// <summary>What a job does once its trainers are held at a step boundary and that step is checkpointed.</summary>
public enum HoldIntent
{
    /// <summary>Tear the group down and wait for <c>resume</c>.</summary>
    Pause,

    /// <summary>End the job (<c>stop</c>, SIGTERM or SIGINT); <c>cluster train</c> again continues from the checkpoint.</summary>
    Stop,
}
