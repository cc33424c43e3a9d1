namespace Cluster.Shared.Actors;

public enum ActorLogLevel
{
    Debug,
    Info,
    Warning,
    Error,
}
