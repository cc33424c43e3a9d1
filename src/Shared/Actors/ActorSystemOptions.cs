using Cluster.Shared.Remoting;

namespace Cluster.Shared.Actors;

public sealed record ActorSystemOptions
{
    /// <summary>Strategy of the user guardian and of actors that do not override theirs.</summary>
    public OneForOneStrategy DefaultSupervisorStrategy { get; init; } = OneForOneStrategy.Default;

    /// <summary>Receives the runtime's log; the default writes warnings and errors to standard error.</summary>
    public Action<ActorLogEvent> Log { get; init; } = DefaultLog;

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Remoting settings; null keeps the system local-only.</summary>
    public RemoteOptions? Remote { get; init; }

    private static void DefaultLog(ActorLogEvent logEvent)
    {
        if (logEvent.Level >= ActorLogLevel.Warning)
        {
            Console.Error.WriteLine(logEvent.ToString());
        }
    }
}
