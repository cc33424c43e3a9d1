namespace Cluster.Shared.Actors;

/// <summary>Replies that carry the outcome of asynchronous work back to an actor or an asker.</summary>
public static class Status
{
    /// <summary>A failure as a message: <c>Ask</c> turns it into a faulted task.</summary>
    public sealed record Failure(Exception Cause);
}
