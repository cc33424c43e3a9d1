namespace Cluster.Shared.Actors;

/// <summary>
/// Supervision for each failing child on its own: a decider maps the exception to a directive;
/// restarts back off exponentially (<c>MinBackoff * 2^(n-1)</c>, capped at <c>MaxBackoff</c>) and a
/// child that needs more than <c>MaxRetries</c> restarts within <c>Window</c> is stopped instead.
/// A plain class so the policy is tested without actors.
/// </summary>
public sealed class OneForOneStrategy
{
    public OneForOneStrategy(
        int maxRetries, TimeSpan window, TimeSpan minBackoff, TimeSpan maxBackoff, Func<Exception, Directive>? decider = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        if (window <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "supervision window must be positive");
        }
        if (minBackoff < TimeSpan.Zero || maxBackoff < minBackoff)
        {
            throw new ArgumentOutOfRangeException(nameof(maxBackoff), maxBackoff, $"backoff must satisfy 0 <= min ({minBackoff}) <= max");
        }
        MaxRetries = maxRetries;
        Window = window;
        MinBackoff = minBackoff;
        MaxBackoff = maxBackoff;
        Decider = decider ?? DefaultDecider;
    }

    /// <summary>Restart with 10 retries per minute, backing off from 10 ms to 5 s.</summary>
    public static OneForOneStrategy Default { get; } =
        new(10, TimeSpan.FromMinutes(1), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(5));

    public int MaxRetries { get; }

    public TimeSpan Window { get; }

    public TimeSpan MinBackoff { get; }

    public TimeSpan MaxBackoff { get; }

    public Func<Exception, Directive> Decider { get; }

    /// <summary>An actor that cannot even start is not worth restarting in a loop.</summary>
    public static Directive DefaultDecider(Exception exception) =>
        exception is ActorInitializationException ? Directive.Stop : Directive.Restart;

    public SupervisionDecision Decide(Exception exception, RestartStatistics statistics, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        var directive = Decider(exception);
        if (directive != Directive.Restart)
        {
            return new SupervisionDecision(directive, TimeSpan.Zero);
        }
        var attempt = statistics.RecordRestart(now, Window);
        if (attempt > MaxRetries)
        {
            return new SupervisionDecision(Directive.Stop, TimeSpan.Zero);
        }
        return new SupervisionDecision(Directive.Restart, Backoff(attempt));
    }

    private TimeSpan Backoff(int attempt)
    {
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var ticks = Math.Min(MinBackoff.Ticks * factor, MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}
