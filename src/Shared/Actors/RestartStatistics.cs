namespace Cluster.Shared.Actors;

/// <summary>Restarts of one child within the current window; owned by its supervisor.</summary>
public sealed class RestartStatistics
{
    public int RestartsInWindow { get; private set; }

    public DateTimeOffset WindowStart { get; private set; }

    /// <summary>Counts one more restart at <paramref name="now"/>, opening a new window when the old one expired.</summary>
    public int RecordRestart(DateTimeOffset now, TimeSpan window)
    {
        if (RestartsInWindow == 0 || now - WindowStart > window)
        {
            WindowStart = now;
            RestartsInWindow = 0;
        }
        return ++RestartsInWindow;
    }
}
