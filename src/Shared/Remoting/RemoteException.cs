namespace Cluster.Shared.Remoting;

/// <summary>A failure reported by an actor on another system; only its type name and message crossed the wire.</summary>
public sealed class RemoteException(string exceptionType, string message) : Exception($"{exceptionType}: {message}")
{
    public string ExceptionType { get; } = exceptionType;
}
