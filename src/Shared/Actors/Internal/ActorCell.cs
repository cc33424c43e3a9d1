using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Cluster.Shared.Actors.Internal;

/// <summary>
/// The runtime side of one actor: its mailbox, lifecycle and supervision of its children. At most one
/// thread runs a cell at a time (the <see cref="_scheduled"/> flag), so actor code needs no locks.
/// System messages are handled first and even while the actor is suspended after a failure.
/// </summary>
internal sealed class ActorCell : IActorContext, IStash, IThreadPoolWorkItem
{
    private const int Throughput = 100;

    [ThreadStatic]
    private static ActorCell? _constructing;

    private readonly Channel<Envelope> _mailbox =
        Channel.CreateUnbounded<Envelope>();
    private readonly ConcurrentQueue<SystemMessage> _systemMailbox = new();
    private readonly ConcurrentDictionary<string, ActorCell> _children = new();
    private readonly object _lifecycleLock = new();
    private readonly LinkedList<Envelope> _unstashed = new();
    private readonly List<Envelope> _stash = [];
    private readonly HashSet<IActorRef> _watching = [];
    private readonly HashSet<IActorRef> _watchedBy = [];
    private readonly Dictionary<ActorCell, RestartStatistics> _restarts = [];
    private readonly TimerScheduler _timers;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _scheduled;
    private int _childCounter;
    private ActorBase? _actor;
    private Envelope _current;
    private volatile State _state = State.Running;
    private Exception? _pendingRecreate;
    private ActorCell? _escalatedChild;

    public ActorCell(ActorSystem system, ActorCell? parent, ActorPath path, Props props)
    {
        System = system;
        ParentCell = parent;
        Path = path;
        Props = props;
        Self = new LocalActorRef(this);
        _timers = new TimerScheduler(this);
        _current = new Envelope(this, ActorRefs.Nobody);
    }

    private enum State
    {
        Running,
        Suspended,
        Terminating,
        Terminated,
    }

    /// <summary>The cell whose actor is being constructed on this thread, for <see cref="ActorBase"/>'s constructor.</summary>
    public static ActorCell? Constructing => _constructing;

    public ActorSystem System { get; }

    public ActorCell? ParentCell { get; }

    public ActorPath Path { get; }

    public Props Props { get; }

    public LocalActorRef Self { get; }

    public Task WhenTerminated => _terminated.Task;

    IActorRef IActorContext.Self => Self;

    public IActorRef Sender => _current.Sender;

    public IActorRef Parent => (IActorRef?)ParentCell?.Self ?? ActorRefs.Nobody;

    public IReadOnlyCollection<IActorRef> Children => _children.Values.Select(c => (IActorRef)c.Self).ToList();

    public ITimerScheduler Timers => _timers;

    public IStash Stash => this;

    public IActorRef ActorOf(Props props, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (name is null)
        {
            name = $"${Interlocked.Increment(ref _childCounter)}";
        }
        else
        {
            ActorNames.ValidateActorName(name);
        }
        var child = new ActorCell(System, this, Path.Child(name), props);
        if (!_children.TryAdd(name, child))
        {
            throw new InvalidOperationException($"actor name '{name}' is not unique under {Path}");
        }
        System.Register(child);
        child.SendSystemMessage(new Create());
        return child.Self;
    }

    public IActorRef? Child(string name) => _children.TryGetValue(name, out var child) ? child.Self : null;

    public IActorRef Watch(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!actor.Equals(Self) && _watching.Add(actor))
        {
            ((ActorRefBase)actor).SendSystemMessage(new Watch(actor, Self));
        }
        return actor;
    }

    public IActorRef Unwatch(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (_watching.Remove(actor))
        {
            ((ActorRefBase)actor).SendSystemMessage(new Unwatch(actor, Self));
        }
        return actor;
    }

    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is LocalActorRef local && (local.Cell == this || local.Cell.ParentCell == this))
        {
            local.SendSystemMessage(new Terminate());
            return;
        }
        throw new InvalidOperationException($"{Path} can stop only itself and its children, not {actor.Path}; send it a PoisonPill");
    }

    void IStash.Stash() => _stash.Add(_current);

    public void UnstashAll()
    {
        for (var i = _stash.Count - 1; i >= 0; i--)
        {
            _unstashed.AddFirst(_stash[i]);
        }
        _stash.Clear();
    }

    public void Post(Envelope envelope)
    {
        if (_state == State.Terminated || !_mailbox.Writer.TryWrite(envelope))
        {
            System.DeadLetter(Path, envelope.Message, envelope.Sender);
            return;
        }
        Schedule();
    }

    public void SendSystemMessage(SystemMessage message)
    {
        lock (_lifecycleLock)
        {
            if (_state != State.Terminated)
            {
                _systemMailbox.Enqueue(message);
                Schedule();
                return;
            }
        }
        // Too late: answer a watcher at once so it never waits for a notification that cannot come.
        if (message is Watch watch && watch.Watcher is ActorRefBase watcher)
        {
            watcher.SendSystemMessage(new DeathWatchNotification(Self, ExistenceConfirmed: true, AddressTerminated: false));
        }
    }

    public void Execute()
    {
        try
        {
            ProcessSystemMessages();
            for (var processed = 0; processed < Throughput && _state == State.Running; processed++)
            {
                if (!_systemMailbox.IsEmpty)
                {
                    ProcessSystemMessages();
                    continue;
                }
                if (!TryTakeUserMessage(out var envelope))
                {
                    break;
                }
                Invoke(envelope);
            }
        }
        finally
        {
            var moreUser = _state == State.Running && _unstashed.Count > 0;
            Volatile.Write(ref _scheduled, 0);
            if (moreUser || !_systemMailbox.IsEmpty || (_state == State.Running && _mailbox.Reader.Count > 0))
            {
                Schedule();
            }
        }
    }

    private void Schedule()
    {
        if (Interlocked.CompareExchange(ref _scheduled, 1, 0) == 0)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private bool TryTakeUserMessage(out Envelope envelope)
    {
        if (_unstashed.First is { } first)
        {
            envelope = first.Value;
            _unstashed.RemoveFirst();
            return true;
        }
        return _mailbox.Reader.TryRead(out envelope);
    }

    private void Invoke(Envelope envelope)
    {
        _current = envelope;
        try
        {
            switch (envelope.Message)
            {
                case PoisonPill:
                    BeginStop();
                    return;
                case TimerFired fired:
                    if (_timers.Accept(fired))
                    {
                        _current = new Envelope(fired.Message, ActorRefs.Nobody);
                        _actor!.InvokeReceive(fired.Message);
                    }
                    return;
                case Terminated terminated when !_watching.Remove(terminated.Actor):
                    return;
                default:
                    _actor!.InvokeReceive(envelope.Message);
                    return;
            }
        }
        catch (Exception exception)
        {
            Fail(exception);
        }
    }

    private void ProcessSystemMessages()
    {
        while (_state != State.Terminated && _systemMailbox.TryDequeue(out var message))
        {
            try
            {
                Handle(message);
            }
            catch (Exception exception)
            {
                System.Log(ActorLogLevel.Error, Path.ToString(), $"handling {message.GetType().Name} failed", exception);
            }
        }
    }

    private void Handle(SystemMessage message)
    {
        switch (message)
        {
            case Create:
                CreateActor(cause: null);
                break;
            case Terminate:
                BeginStop();
                break;
            case Resume when _state == State.Suspended:
                _state = State.Running;
                _escalatedChild?.SendSystemMessage(new Resume());
                _escalatedChild = null;
                break;
            case Recreate recreate when _state == State.Suspended:
                BeginRecreate(recreate.Cause);
                break;
            case Failed failed:
                Supervise(failed.Child, failed.Cause);
                break;
            case ChildTerminated childTerminated:
                OnChildTerminated(childTerminated.Child);
                break;
            case Watch watch when watch.Watchee.Equals(Self):
                _watchedBy.Add(watch.Watcher);
                break;
            case Unwatch unwatch when unwatch.Watchee.Equals(Self):
                _watchedBy.Remove(unwatch.Watcher);
                break;
            case DeathWatchNotification notification:
                if (_watching.Contains(notification.Actor))
                {
                    _mailbox.Writer.TryWrite(new Envelope(
                        new Terminated(notification.Actor, notification.ExistenceConfirmed, notification.AddressTerminated),
                        notification.Actor));
                }
                break;
        }
    }

    private void CreateActor(Exception? cause)
    {
        try
        {
            _constructing = this;
            try
            {
                _actor = Props.Factory();
            }
            finally
            {
                _constructing = null;
            }
            if (cause is null)
            {
                _actor.InvokePreStart();
            }
            else
            {
                _actor.InvokePostRestart(cause);
            }
            _state = State.Running;
            UnstashAll();
        }
        catch (Exception exception)
        {
            Fail(new ActorInitializationException($"{Path} ({Props.Description}) failed to start: {exception.Message}", exception));
        }
    }

    private void Fail(Exception exception)
    {
        if (_state is State.Terminating or State.Terminated)
        {
            System.Log(ActorLogLevel.Error, Path.ToString(), "failed while stopping", exception);
            return;
        }
        _state = State.Suspended;
        System.Log(ActorLogLevel.Warning, Path.ToString(), $"failed on {_current.Message.GetType().Name}", exception);
        if (ParentCell is null)
        {
            BeginStop();
            return;
        }
        ParentCell.SendSystemMessage(new Failed(this, exception));
    }

    private void Supervise(ActorCell child, Exception cause)
    {
        if (!_children.ContainsKey(child.Path.Name) || _state is State.Terminating or State.Terminated)
        {
            return;
        }
        var strategy = _actor?.ChildStrategy ?? System.Options.DefaultSupervisorStrategy;
        if (!_restarts.TryGetValue(child, out var statistics))
        {
            statistics = _restarts[child] = new RestartStatistics();
        }
        var decision = strategy.Decide(cause, statistics, System.TimeProvider.GetUtcNow());
        switch (decision.Directive)
        {
            case Directive.Resume:
                child.SendSystemMessage(new Resume());
                break;
            case Directive.Restart when decision.Delay <= TimeSpan.Zero:
                child.SendSystemMessage(new Recreate(cause));
                break;
            case Directive.Restart:
                System.Log(ActorLogLevel.Info, Path.ToString(), $"restarting {child.Path.Name} in {decision.Delay.TotalMilliseconds:0} ms");
                ITimer? timer = null;
                timer = System.TimeProvider.CreateTimer(_ =>
                {
                    child.SendSystemMessage(new Recreate(cause));
                    timer?.Dispose();
                }, null, decision.Delay, Timeout.InfiniteTimeSpan);
                break;
            case Directive.Escalate when ParentCell is not null:
                _escalatedChild = child;
                _current = new Envelope(cause, child.Self);
                Fail(cause);
                break;
            default:
                System.Log(ActorLogLevel.Warning, Path.ToString(), $"stopping {child.Path.Name} ({decision.Directive})");
                child.SendSystemMessage(new Terminate());
                break;
        }
    }

    private void BeginRecreate(Exception cause)
    {
        _timers.CancelAll();
        try
        {
            _actor?.InvokePreRestart(cause, _current.Message);
        }
        catch (Exception exception)
        {
            System.Log(ActorLogLevel.Error, Path.ToString(), "PreRestart failed", exception);
        }
        _actor = null;
        _pendingRecreate = cause;
        if (_children.IsEmpty)
        {
            FinishRecreate();
        }
    }

    private void FinishRecreate()
    {
        var cause = _pendingRecreate!;
        _pendingRecreate = null;
        CreateActor(cause);
    }

    private void BeginStop()
    {
        if (_state is State.Terminating or State.Terminated)
        {
            return;
        }
        _state = State.Terminating;
        _timers.CancelAll();
        foreach (var child in _children.Values)
        {
            child.SendSystemMessage(new Terminate());
        }
        if (_children.IsEmpty)
        {
            FinishStop();
        }
    }

    private void OnChildTerminated(ActorCell child)
    {
        _children.TryRemove(new KeyValuePair<string, ActorCell>(child.Path.Name, child));
        _restarts.Remove(child);
        if (!_children.IsEmpty)
        {
            return;
        }
        if (_state == State.Terminating)
        {
            FinishStop();
        }
        else if (_pendingRecreate is not null)
        {
            FinishRecreate();
        }
    }

    private void FinishStop()
    {
        try
        {
            _actor?.InvokePostStop();
        }
        catch (Exception exception)
        {
            System.Log(ActorLogLevel.Error, Path.ToString(), "PostStop failed", exception);
        }
        _actor = null;
        lock (_lifecycleLock)
        {
            _state = State.Terminated;
        }
        System.Unregister(this);
        foreach (var watcher in _watchedBy)
        {
            ((ActorRefBase)watcher).SendSystemMessage(new DeathWatchNotification(Self, ExistenceConfirmed: true, AddressTerminated: false));
        }
        _watchedBy.Clear();
        foreach (var watchee in _watching)
        {
            ((ActorRefBase)watchee).SendSystemMessage(new Unwatch(watchee, Self));
        }
        _watching.Clear();
        ParentCell?.SendSystemMessage(new ChildTerminated(this));
        foreach (var envelope in _stash.Concat(_unstashed))
        {
            System.DeadLetter(Path, envelope.Message, envelope.Sender);
        }
        _stash.Clear();
        _unstashed.Clear();
        _mailbox.Writer.TryComplete();
        while (_mailbox.Reader.TryRead(out var envelope))
        {
            System.DeadLetter(Path, envelope.Message, envelope.Sender);
        }
        while (_systemMailbox.TryDequeue(out var late))
        {
            if (late is Watch watch && watch.Watcher is ActorRefBase watcher)
            {
                watcher.SendSystemMessage(new DeathWatchNotification(Self, ExistenceConfirmed: true, AddressTerminated: false));
            }
        }
        _terminated.TrySetResult();
    }
}
