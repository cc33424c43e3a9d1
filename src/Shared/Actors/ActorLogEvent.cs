namespace Cluster.Shared.Actors;

/// <summary>One log line of the runtime: dead letters, failures, refused connections.</summary>
public sealed record ActorLogEvent(ActorLogLevel Level, string Source, string Message, Exception? Exception = null)
{
    public override string ToString() =>
        Exception is null ? $"[{Level}] {Source}: {Message}" : $"[{Level}] {Source}: {Message} ({Exception.GetType().Name}: {Exception.Message})";
}
