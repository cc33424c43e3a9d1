namespace Cluster.Shared.Actors;

/// <summary>
/// Keyed timers that send a message to the actor itself. Starting a key again replaces the old timer,
/// and a message of a cancelled or replaced timer is dropped even if it was already queued.
/// Timers are cancelled when the actor restarts or stops. Call only from inside the actor.
/// </summary>
public interface ITimerScheduler
{
    void StartSingleTimer(object key, object message, TimeSpan delay);

    void StartPeriodicTimer(object key, object message, TimeSpan interval);

    void StartPeriodicTimer(object key, object message, TimeSpan initialDelay, TimeSpan interval);

    bool IsTimerActive(object key);

    void Cancel(object key);

    void CancelAll();
}
