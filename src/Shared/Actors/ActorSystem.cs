using System.Collections.Concurrent;
using Cluster.Shared.Actors.Internal;
using Cluster.Shared.Remoting;

namespace Cluster.Shared.Actors;

/// <summary>
/// A tree of actors under <c>/user</c>, plus the temporary reply addresses of asks under <c>/temp</c>.
/// With <see cref="ActorSystemOptions.Remote"/> set it listens for peers and references on other
/// systems become transparent (<see cref="ResolveActorRef"/>).
/// </summary>
public sealed class ActorSystem : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ActorRefBase> _actors = new();
    private readonly ActorCell _guardian;
    private readonly TaskCompletionSource _terminated = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _tempCounter;
    private int _terminating;

    private ActorSystem(string name, ActorSystemOptions options)
    {
        ActorNames.ValidateSystemName(name);
        Name = name;
        Options = options;
        if (options.Remote is { } remote)
        {
            Remote = new RemoteTransport(this, remote);
            Address = Remote.LocalAddress;
        }
        else
        {
            Address = new Address(Address.LocalProtocol, name);
        }
        _guardian = new ActorCell(this, null, new ActorPath(Address, "/user"), Props.Create(() => new GuardianActor()));
        _guardian.SendSystemMessage(new Create());
        Remote?.Start();
    }

    public string Name { get; }

    public Address Address { get; }

    public ActorSystemOptions Options { get; }

    public TimeProvider TimeProvider => Options.TimeProvider;

    /// <summary>The remoting endpoint, or null for a local-only system.</summary>
    public RemoteTransport? Remote { get; }

    public Task WhenTerminated => _terminated.Task;

    public static ActorSystem Create(string name, ActorSystemOptions? options = null) => new(name, options ?? new ActorSystemOptions());

    public IActorRef ActorOf(Props props, string? name = null)
    {
        if (Volatile.Read(ref _terminating) != 0)
        {
            throw new InvalidOperationException($"actor system {Name} is terminating");
        }
        return _guardian.ActorOf(props, name);
    }

    /// <summary>Stops any actor of this system (after its current message); remote actors take a <see cref="PoisonPill"/>.</summary>
    public void Stop(IActorRef actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (actor is not LocalActorRef local || local.System != this)
        {
            throw new ArgumentException($"{actor.Path} is not an actor of system {Name}; send it a PoisonPill", nameof(actor));
        }
        local.SendSystemMessage(new Terminate());
    }

    /// <summary>
    /// The reference for a full path (<c>cluster.tcp://sys@host:port/user/a</c>): a local actor, a remote
    /// one, or a dead-letter reference when the path names a local actor that does not exist.
    /// </summary>
    public IActorRef ResolveActorRef(string path) => ResolveActorRef(ActorPath.Parse(path));

    public IActorRef ResolveActorRef(ActorPath path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Address == Address)
        {
            return _actors.TryGetValue(path.Elements, out var local) ? local : new DeadLetterActorRef(this, path);
        }
        if (Remote is null || path.Address.Protocol != Address.TcpProtocol || !path.Address.HasHostAndPort)
        {
            throw new ArgumentException($"actor path {path}: not on this system and remoting is not enabled here", nameof(path));
        }
        return Remote.RefFor(path);
    }

    /// <summary>Stops every actor (children before parents), then closes remoting.</summary>
    public async Task TerminateAsync()
    {
        if (Interlocked.Exchange(ref _terminating, 1) == 0)
        {
            _guardian.SendSystemMessage(new Terminate());
            await _guardian.WhenTerminated.ConfigureAwait(false);
            if (Remote is not null)
            {
                await Remote.DisposeAsync().ConfigureAwait(false);
            }
            _terminated.TrySetResult();
        }
        await _terminated.Task.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync() => await TerminateAsync().ConfigureAwait(false);

    internal void Log(ActorLogLevel level, string source, string message, Exception? exception = null)
    {
        try
        {
            Options.Log(new ActorLogEvent(level, source, message, exception));
        }
        catch (Exception)
        {
            // A broken log sink must not take the runtime down with it.
        }
    }

    internal void DeadLetter(ActorPath recipient, object message, IActorRef sender) =>
        Log(ActorLogLevel.Debug, recipient.ToString(), $"dead letter {message.GetType().Name} from {sender.Path}");

    internal void Register(ActorCell cell) => _actors[cell.Path.Elements] = cell.Self;

    internal void Unregister(ActorCell cell) =>
        _actors.TryRemove(new KeyValuePair<string, ActorRefBase>(cell.Path.Elements, cell.Self));

    internal PromiseActorRef CreatePromise()
    {
        var promise = new PromiseActorRef(this, new ActorPath(Address, $"/temp/{Interlocked.Increment(ref _tempCounter)}"));
        _actors[promise.Path.Elements] = promise;
        return promise;
    }

    internal void UnregisterTemp(PromiseActorRef promise) =>
        _actors.TryRemove(new KeyValuePair<string, ActorRefBase>(promise.Path.Elements, promise));

    /// <summary>A local actor by element path (<c>/user/a</c>), for messages arriving from peers.</summary>
    internal ActorRefBase? FindLocal(string elements) => _actors.GetValueOrDefault(elements);
}
