namespace Cluster.Shared.Actors;

/// <summary>What a supervisor does with a child that threw.</summary>
public enum Directive
{
    /// <summary>Keep the actor and its state; the failing message is dropped.</summary>
    Resume,

    /// <summary>Replace the actor instance (fresh state), after a backoff delay.</summary>
    Restart,

    /// <summary>Stop the child permanently.</summary>
    Stop,

    /// <summary>Fail the supervisor itself with the same exception, handing the decision to its parent.</summary>
    Escalate,
}
