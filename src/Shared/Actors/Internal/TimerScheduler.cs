namespace Cluster.Shared.Actors.Internal;

/// <summary>
/// Timers of one actor. Used only on the actor's own turn; the timer callbacks merely post a
/// <see cref="TimerFired"/> whose generation tells whether the timer is still the current one.
/// </summary>
internal sealed class TimerScheduler(ActorCell cell) : ITimerScheduler
{
    private readonly Dictionary<object, Entry> _timers = [];
    private int _generation;

    public void StartSingleTimer(object key, object message, TimeSpan delay) =>
        Start(key, message, delay, Timeout.InfiniteTimeSpan);

    public void StartPeriodicTimer(object key, object message, TimeSpan interval) =>
        StartPeriodicTimer(key, message, interval, interval);

    public void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval)
    {
        if (interval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"periodic timer '{key}' needs a positive interval");
        }
        Start(key, message, initialDelay, interval);
    }

    public bool IsTimerActive(object key) => _timers.ContainsKey(key);

    public void Cancel(object key)
    {
        if (_timers.Remove(key, out var entry))
        {
            entry.Timer.Dispose();
        }
    }

    public void CancelAll()
    {
        foreach (var entry in _timers.Values)
        {
            entry.Timer.Dispose();
        }
        _timers.Clear();
    }

    /// <summary>Whether a fired timer is still current; a single timer is removed once it delivers.</summary>
    public bool Accept(TimerFired fired)
    {
        if (!_timers.TryGetValue(fired.Key, out var entry) || entry.Generation != fired.Generation)
        {
            return false;
        }
        if (!entry.Periodic)
        {
            _timers.Remove(fired.Key);
            entry.Timer.Dispose();
        }
        return true;
    }

    private void Start(object key, object message, TimeSpan delay, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        Cancel(key);
        var fired = new TimerFired(key, ++_generation, message);
        var timer = cell.System.TimeProvider.CreateTimer(
            static state => ((Tuple<ActorCell, TimerFired>)state!).Item1.Self.Tell(((Tuple<ActorCell, TimerFired>)state).Item2),
            Tuple.Create(cell, fired), delay < TimeSpan.Zero ? TimeSpan.Zero : delay, period);
        _timers[key] = new Entry(fired.Generation, timer, period != Timeout.InfiniteTimeSpan);
    }

    private sealed record Entry(int Generation, ITimer Timer, bool Periodic);
}
