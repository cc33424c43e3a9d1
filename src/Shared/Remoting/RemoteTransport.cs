using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Net.Sockets;
using System.Security.Cryptography;
using Cluster.Shared.Actors;
using Cluster.Shared.Actors.Internal;
using Cluster.Shared.Protos;
using Google.Protobuf;
using Envelope = Cluster.Shared.Protos.Envelope;

namespace Cluster.Shared.Remoting;

/// <summary>
/// Remoting endpoint of an actor system: listens on TCP, keeps exactly one authenticated connection
/// per peer pair, carries envelopes and DeathWatch, sends heartbeats and declares a peer unreachable
/// when its phi-accrual detector crosses the threshold (watchers then get AddressTerminated, and the
/// peer's incarnation is quarantined so a frozen process that wakes up is not taken back).
/// Wire format: <see cref="FrameCodec"/>; handshake: <see cref="HandshakeProof"/>.
/// </summary>
public sealed class RemoteTransport : IAsyncDisposable
{
    public const uint ProtocolVersion = 1;
    private const int HandshakeFrameBytes = 4096;

    private readonly TcpListener _listener;
    private readonly ConcurrentDictionary<Address, Association> _associations = new();
    private readonly ConcurrentDictionary<ulong, bool> _quarantined = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly string _logSource;
    private Task _acceptLoop = Task.CompletedTask;
    private Task _tickLoop = Task.CompletedTask;
    private ulong _heartbeatSequence;

    internal RemoteTransport(ActorSystem system, RemoteOptions options)
    {
        options.Validate();
        System = system;
        Options = options;
        Uid = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
        _listener = new TcpListener(IPAddress.Parse(options.Host), options.Port);
        _listener.Start();
        var port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        LocalAddress = new Address(Address.TcpProtocol, system.Name, options.Host, port);
        _logSource = $"remoting {LocalAddress}";
    }

    public Address LocalAddress { get; }

    /// <summary>This incarnation of the system; a restarted process on the same address gets a new one.</summary>
    public ulong Uid { get; }

    public RemoteOptions Options { get; }

    internal ActorSystem System { get; }

    /// <summary>Peers with an open, authenticated connection right now.</summary>
    public IReadOnlyCollection<Address> ConnectedPeers =>
        _associations.Values.Where(a => a.Active is { IsClosed: false }).Select(a => a.Remote).ToList();

    /// <summary>The open connection to each peer, for diagnostics and tests.</summary>
    internal IReadOnlyDictionary<Address, Connection> OpenConnections =>
        _associations.Values.Select(a => (a.Remote, Connection: a.Active))
            .Where(p => p.Connection is { IsClosed: false })
            .ToDictionary(p => p.Remote, p => p.Connection!);

    public async ValueTask DisposeAsync()
    {
        if (_shutdown.IsCancellationRequested)
        {
            return;
        }
        _shutdown.Cancel();
        _listener.Stop();
        var closing = _associations.Values.Select(a => a.Active).OfType<Connection>()
            .Select(c => c.CloseGracefullyAsync(TimeSpan.FromSeconds(1)));
        await Task.WhenAll(closing).ConfigureAwait(false);
        await Task.WhenAll(_acceptLoop, _tickLoop).ConfigureAwait(false);
    }

    internal void Start()
    {
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _tickLoop = Task.Run(TickLoopAsync);
    }

    internal RemoteActorRef RefFor(ActorPath path) => new(this, path);

    internal void SendMessage(RemoteActorRef recipient, object message, IActorRef sender)
    {
        var envelope = new Envelope { Recipient = recipient.Path.ToString(), Sender = SenderPath(sender) };
        if (message is Status.Failure failure)
        {
            envelope.Failure = new RemoteFailure { ExceptionType = failure.Cause.GetType().Name, Message = failure.Cause.Message };
        }
        else if (Options.Messages.TrySerialize(message, out var payload, out var error))
        {
            envelope.Payload = payload;
        }
        else
        {
            System.Log(ActorLogLevel.Error, _logSource, $"cannot send to {recipient.Path}: {error}");
            return;
        }
        Send(recipient.Path.Address, new Frame { Envelope = envelope });
    }

    internal void Watch(RemoteActorRef watchee, IActorRef watcher)
    {
        var association = AssociationFor(watchee.Path.Address);
        lock (association.Lock)
        {
            association.WatchingRemote.Add((watcher, watchee));
        }
        Send(watchee.Path.Address, new Frame { Watch = new RemoteWatch { Watchee = watchee.Path.ToString(), Watcher = SenderPath(watcher) } });
    }

    internal void Unwatch(RemoteActorRef watchee, IActorRef watcher)
    {
        var association = AssociationFor(watchee.Path.Address);
        lock (association.Lock)
        {
            association.WatchingRemote.Remove((watcher, watchee));
        }
        Send(watchee.Path.Address, new Frame { Unwatch = new RemoteUnwatch { Watchee = watchee.Path.ToString(), Watcher = SenderPath(watcher) } });
    }

    internal void NotifyTerminated(IActorRef watchee, RemoteActorRef watcher, bool existenceConfirmed)
    {
        var association = AssociationFor(watcher.Path.Address);
        lock (association.Lock)
        {
            association.WatchedByRemote.Remove((watchee, watcher));
        }
        Send(watcher.Path.Address, new Frame
        {
            Terminated = new RemoteTerminated
            {
                Watchee = watchee.Path.ToString(),
                Watcher = watcher.Path.ToString(),
                ExistenceConfirmed = existenceConfirmed,
            },
        });
    }

    internal void OnFrame(Connection connection, Frame frame)
    {
        var association = AssociationFor(connection.Remote);
        switch (frame.KindCase)
        {
            case Frame.KindOneofCase.Heartbeat:
                lock (association.Lock)
                {
                    association.Detector.HeartBeat();
                }
                break;
            case Frame.KindOneofCase.Envelope:
                Deliver(frame.Envelope);
                break;
            case Frame.KindOneofCase.Watch:
                OnRemoteWatch(association, frame.Watch);
                break;
            case Frame.KindOneofCase.Unwatch:
                OnRemoteUnwatch(association, frame.Unwatch);
                break;
            case Frame.KindOneofCase.Terminated:
                OnRemoteTerminated(association, frame.Terminated);
                break;
            default:
                throw new FrameException($"unexpected {frame.KindCase} frame after the handshake");
        }
    }

    internal void OnConnectionClosed(Connection connection)
    {
        if (_associations.TryGetValue(connection.Remote, out var association))
        {
            lock (association.Lock)
            {
                if (association.Active == connection)
                {
                    association.Active = null;
                }
            }
        }
    }

    private void Deliver(Envelope envelope)
    {
        ActorPath recipientPath, senderPath;
        try
        {
            recipientPath = ActorPath.Parse(envelope.Recipient);
            senderPath = envelope.Sender.Length == 0 ? ActorRefs.Nobody.Path : ActorPath.Parse(envelope.Sender);
        }
        catch (FormatException exception)
        {
            throw new FrameException($"malformed envelope: {exception.Message}", exception);
        }
        object message;
        if (envelope.BodyCase == Envelope.BodyOneofCase.Failure)
        {
            message = new Status.Failure(new RemoteException(envelope.Failure.ExceptionType, envelope.Failure.Message));
        }
        else if (envelope.BodyCase == Envelope.BodyOneofCase.Payload)
        {
            IMessage? decoded;
            try
            {
                decoded = Options.Messages.Deserialize(envelope.Payload);
            }
            catch (InvalidProtocolBufferException exception)
            {
                throw new FrameException($"malformed {envelope.Payload.TypeName} payload: {exception.Message}", exception);
            }
            if (decoded is null)
            {
                System.Log(ActorLogLevel.Error, _logSource, $"dropped message for {recipientPath}: type {envelope.Payload.TypeName} is not registered");
                return;
            }
            message = decoded;
        }
        else
        {
            throw new FrameException("malformed envelope: no body");
        }
        var sender = envelope.Sender.Length == 0 ? ActorRefs.Nobody : ResolveSender(senderPath);
        if (recipientPath.Address != LocalAddress)
        {
            System.DeadLetter(recipientPath, message, sender);
            return;
        }
        var recipient = System.FindLocal(recipientPath.Elements);
        if (recipient is null)
        {
            System.DeadLetter(recipientPath, message, sender);
            return;
        }
        recipient.Tell(message, sender);
    }

    private IActorRef ResolveSender(ActorPath path) =>
        path.Address == LocalAddress ? System.ResolveActorRef(path) : RefFor(path);

    private void OnRemoteWatch(Association association, RemoteWatch watch)
    {
        var (watchee, watcher) = ParseWatch(watch.Watchee, watch.Watcher);
        lock (association.Lock)
        {
            association.WatchedByRemote.Add((watchee, watcher));
        }
        ((ActorRefBase)watchee).SendSystemMessage(new Watch(watchee, watcher));
    }

    private void OnRemoteUnwatch(Association association, RemoteUnwatch unwatch)
    {
        var (watchee, watcher) = ParseWatch(unwatch.Watchee, unwatch.Watcher);
        lock (association.Lock)
        {
            association.WatchedByRemote.Remove((watchee, watcher));
        }
        ((ActorRefBase)watchee).SendSystemMessage(new Unwatch(watchee, watcher));
    }

    private void OnRemoteTerminated(Association association, RemoteTerminated terminated)
    {
        ActorPath watcheePath, watcherPath;
        try
        {
            watcheePath = ActorPath.Parse(terminated.Watchee);
            watcherPath = ActorPath.Parse(terminated.Watcher);
        }
        catch (FormatException exception)
        {
            throw new FrameException($"malformed terminated notification: {exception.Message}", exception);
        }
        var watchee = RefFor(watcheePath);
        if (System.FindLocal(watcherPath.Elements) is not { } watcher || watcherPath.Address != LocalAddress)
        {
            return;
        }
        lock (association.Lock)
        {
            association.WatchingRemote.Remove((watcher, watchee));
        }
        watcher.SendSystemMessage(new DeathWatchNotification(watchee, terminated.ExistenceConfirmed, AddressTerminated: false));
    }

    private (IActorRef Watchee, RemoteActorRef Watcher) ParseWatch(string watchee, string watcher)
    {
        try
        {
            var watcheePath = ActorPath.Parse(watchee);
            var watcherPath = ActorPath.Parse(watcher);
            if (watcheePath.Address != LocalAddress || watcherPath.Address == LocalAddress)
            {
                throw new FrameException($"malformed watch: {watcher} cannot watch {watchee} from here");
            }
            return (System.ResolveActorRef(watcheePath), RefFor(watcherPath));
        }
        catch (FormatException exception)
        {
            throw new FrameException($"malformed watch: {exception.Message}", exception);
        }
    }

    private string SenderPath(IActorRef sender)
    {
        if (sender is NobodyRef)
        {
            return "";
        }
        return sender.Path.ToString();
    }

    private Association AssociationFor(Address remote) =>
        _associations.GetOrAdd(remote, address => new Association(address,
            new PhiAccrualFailureDetector(System.TimeProvider, Options.PhiThreshold, Options.HeartbeatInterval,
                Options.AcceptableHeartbeatPause, Options.MinimumStandardDeviation),
            System.TimeProvider.GetTimestamp()));

    private void Send(Address remote, Frame frame)
    {
        var size = frame.CalculateSize();
        if (size > Options.MaximumFrameBytes)
        {
            System.Log(ActorLogLevel.Error, _logSource,
                $"dropped a {frame.KindCase} frame of {size} bytes for {remote}: above the maximum of {Options.MaximumFrameBytes} bytes");
            return;
        }
        var association = AssociationFor(remote);
        var connect = false;
        lock (association.Lock)
        {
            if (association.Active is { IsClosed: false } active)
            {
                active.Enqueue(frame);
                return;
            }
            association.Pending.Enqueue(frame);
            if (association.Pending.Count > Options.MaximumPendingFrames)
            {
                association.Pending.Dequeue();
                if (association.DroppedFrames++ == 0)
                {
                    System.Log(ActorLogLevel.Warning, _logSource,
                        $"dropping the oldest pending frames for {remote}: {Options.MaximumPendingFrames} are waiting for a connection");
                }
            }
            if (!association.OutboundPending && !_shutdown.IsCancellationRequested)
            {
                association.OutboundPending = true;
                association.LastConnectAttempt = System.TimeProvider.GetTimestamp();
                connect = true;
            }
        }
        if (connect)
        {
            _ = Task.Run(() => ConnectAsync(association));
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_shutdown.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_shutdown.Token).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            _ = Task.Run(() => AcceptAsync(socket));
        }
    }

    private async Task AcceptAsync(Socket socket)
    {
        var endpoint = socket.RemoteEndPoint?.ToString() ?? "unknown endpoint";
        socket.NoDelay = true;
        Stream stream = new NetworkStream(socket, ownsSocket: true);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(Options.HandshakeTimeout);
        try
        {
            stream = await SecureAsServerAsync(stream, timeout.Token).ConfigureAwait(false);
            var hello = await ReadHandshakeFrameAsync(stream, Frame.KindOneofCase.Hello, timeout.Token).ConfigureAwait(false);
            var remote = ParsePeerAddress(hello.Hello.Address);
            if (hello.Hello.ProtocolVersion != ProtocolVersion || hello.Hello.Nonce.Length != HandshakeProof.NonceBytes)
            {
                throw new FrameException($"unsupported protocol version {hello.Hello.ProtocolVersion} or nonce length");
            }
            var acceptorNonce = HandshakeProof.NewNonce();
            var initiatorNonce = hello.Hello.Nonce.ToByteArray();
            var local = LocalAddress.ToString();
            var proof = HandshakeProof.Compute(Options.Secret, HandshakeProof.AcceptorRole, initiatorNonce, acceptorNonce, remote.ToString(), local);
            await FrameCodec.WriteAsync(stream, new Frame
            {
                Challenge = new Challenge { Address = local, Uid = Uid, Nonce = ByteString.CopyFrom(acceptorNonce), Proof = ByteString.CopyFrom(proof) },
            }, timeout.Token).ConfigureAwait(false);
            var response = await ReadHandshakeFrameAsync(stream, Frame.KindOneofCase.Response, timeout.Token).ConfigureAwait(false);
            var expected = HandshakeProof.Compute(Options.Secret, HandshakeProof.InitiatorRole, initiatorNonce, acceptorNonce, remote.ToString(), local);
            if (!HandshakeProof.Verify(expected, response.Response.Proof.Span))
            {
                await TryWriteResultAsync(stream, accepted: false, "authentication failed", timeout.Token).ConfigureAwait(false);
                throw new FrameException("authentication failed: the peer does not know the job secret");
            }
            var canonical = string.CompareOrdinal(remote.ToString(), local) < 0;
            var connection = new Connection(this, socket, stream, remote, hello.Hello.Uid, canonical);
            var refusal = Admit(connection, inbound: true, out var replaced);
            await TryWriteResultAsync(stream, refusal is null, refusal ?? "", timeout.Token).ConfigureAwait(false);
            if (refusal is not null)
            {
                System.Log(ActorLogLevel.Debug, _logSource, $"refused connection from {remote}: {refusal}");
                stream.Dispose();
                return;
            }
            connection.Start();
            replaced?.Close(ActorLogLevel.Debug, "replaced by a newer connection");
        }
        catch (Exception exception)
        {
            var reason = exception is OperationCanceledException ? "handshake timed out" : exception.Message;
            System.Log(ActorLogLevel.Warning, _logSource, $"refused connection from {endpoint}: {reason}");
            stream.Dispose();
        }
    }

    private async Task ConnectAsync(Association association)
    {
        var remote = association.Remote;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token);
        timeout.CancelAfter(Options.HandshakeTimeout);
        try
        {
            await socket.ConnectAsync(remote.Host!, remote.Port!.Value, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: true);
            stream = await SecureAsClientAsync(stream, remote, timeout.Token).ConfigureAwait(false);
            var initiatorNonce = HandshakeProof.NewNonce();
            var local = LocalAddress.ToString();
            await FrameCodec.WriteAsync(stream, new Frame
            {
                Hello = new Hello { ProtocolVersion = ProtocolVersion, Address = local, Uid = Uid, Nonce = ByteString.CopyFrom(initiatorNonce) },
            }, timeout.Token).ConfigureAwait(false);
            var challenge = (await ReadHandshakeFrameAsync(stream, Frame.KindOneofCase.Challenge, timeout.Token).ConfigureAwait(false)).Challenge;
            if (challenge.Address != remote.ToString())
            {
                throw new FrameException($"peer at {remote.Host}:{remote.Port} is {challenge.Address}, not {remote}");
            }
            var expected = HandshakeProof.Compute(Options.Secret, HandshakeProof.AcceptorRole, initiatorNonce, challenge.Nonce.Span, local, challenge.Address);
            if (challenge.Nonce.Length != HandshakeProof.NonceBytes || !HandshakeProof.Verify(expected, challenge.Proof.Span))
            {
                throw new FrameException("authentication failed: the peer does not know the job secret");
            }
            var proof = HandshakeProof.Compute(Options.Secret, HandshakeProof.InitiatorRole, initiatorNonce, challenge.Nonce.Span, local, challenge.Address);
            await FrameCodec.WriteAsync(stream, new Frame { Response = new ChallengeResponse { Proof = ByteString.CopyFrom(proof) } }, timeout.Token)
                .ConfigureAwait(false);
            var result = (await ReadHandshakeFrameAsync(stream, Frame.KindOneofCase.Result, timeout.Token).ConfigureAwait(false)).Result;
            if (!result.Accepted)
            {
                lock (association.Lock)
                {
                    association.OutboundPending = false;
                }
                System.Log(ActorLogLevel.Debug, _logSource, $"{remote} declined our connection: {result.Reason}");
                stream.Dispose();
                return;
            }
            var connection = new Connection(this, socket, stream, remote, challenge.Uid, canonical: string.CompareOrdinal(local, challenge.Address) < 0);
            var refusal = Admit(connection, inbound: false, out var replaced);
            if (refusal is not null)
            {
                stream.Dispose();
                return;
            }
            connection.Start();
            replaced?.Close(ActorLogLevel.Debug, "replaced by a newer connection");
        }
        catch (Exception exception)
        {
            lock (association.Lock)
            {
                association.OutboundPending = false;
            }
            var reason = exception is OperationCanceledException ? "handshake timed out" : exception.Message;
            var level = exception is FrameException or AuthenticationException ? ActorLogLevel.Warning : ActorLogLevel.Info;
            System.Log(level, _logSource, $"connecting to {remote} failed: {reason}");
            if (stream is null)
            {
                socket.Dispose();
            }
            else
            {
                await stream.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Makes <paramref name="connection"/> the peer's one connection, or says why not. When both sides
    /// connect at once, the connection initiated by the smaller address wins on both sides.
    /// </summary>
    private string? Admit(Connection connection, bool inbound, out Connection? replaced)
    {
        replaced = null;
        if (_quarantined.ContainsKey(connection.RemoteUid))
        {
            return "quarantined: this incarnation was declared unreachable";
        }
        var association = AssociationFor(connection.Remote);
        List<(IActorRef Watcher, IActorRef Watchee)> orphanedWatching = [];
        List<(IActorRef Watchee, IActorRef Watcher)> orphanedWatchedBy = [];
        try
        {
            lock (association.Lock)
            {
                return AdmitLocked(association, connection, inbound, out replaced, orphanedWatching, orphanedWatchedBy);
            }
        }
        finally
        {
            if (orphanedWatching.Count > 0 || orphanedWatchedBy.Count > 0)
            {
                System.Log(ActorLogLevel.Warning, _logSource, $"{connection.Remote} restarted (new incarnation); {orphanedWatching.Count} watch(es) terminated");
                EndWatches(orphanedWatching, orphanedWatchedBy);
            }
        }
    }

    private string? AdmitLocked(Association association, Connection connection, bool inbound, out Connection? replaced,
        List<(IActorRef Watcher, IActorRef Watchee)> orphanedWatching, List<(IActorRef Watchee, IActorRef Watcher)> orphanedWatchedBy)
    {
        replaced = null;
        if (!inbound)
        {
            association.OutboundPending = false;
        }
        var current = association.Active is { IsClosed: false } active ? active : null;
        var keepCurrent = !connection.Canonical && current is { Canonical: true } && current.RemoteUid == connection.RemoteUid;
        if (keepCurrent || (inbound && !connection.Canonical && association.OutboundPending))
        {
            return "duplicate: the connection initiated by the smaller address is kept";
        }
        if (association.RemoteUid is null || association.RemoteUid != connection.RemoteUid)
        {
            // A new incarnation (or the first contact) starts the failure detector's clock.
            association.Detector.HeartBeat();
        }
        if (association.RemoteUid is { } previous && previous != connection.RemoteUid)
        {
            // The address came back as a new process: actors of the old one are gone for good.
            _quarantined[previous] = true;
            orphanedWatching.AddRange(association.WatchingRemote);
            orphanedWatchedBy.AddRange(association.WatchedByRemote);
            association.WatchingRemote.Clear();
            association.WatchedByRemote.Clear();
        }
        if (association.DroppedFrames > 0)
        {
            System.Log(ActorLogLevel.Warning, _logSource, $"{association.DroppedFrames} frame(s) for {association.Remote} were dropped while it was not connected");
            association.DroppedFrames = 0;
        }
        association.RemoteUid = connection.RemoteUid;
        association.Active = connection;
        replaced = current;
        while (association.Pending.TryDequeue(out var frame))
        {
            connection.Enqueue(frame);
        }
        return null;
    }

    private async Task TickLoopAsync()
    {
        using var timer = new PeriodicTimer(Options.HeartbeatInterval, System.TimeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(_shutdown.Token).ConfigureAwait(false))
            {
                Tick();
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    private void Tick()
    {
        var heartbeat = new Frame { Heartbeat = new Heartbeat { Sequence = ++_heartbeatSequence } };
        foreach (var association in _associations.Values)
        {
            var connect = false;
            bool available;
            double phi;
            lock (association.Lock)
            {
                phi = association.Detector.Phi;
                available = association.RemoteUid is null
                    ? System.TimeProvider.GetElapsedTime(association.CreatedAt) < Options.HandshakeTimeout + Options.AcceptableHeartbeatPause
                    : phi < association.Detector.Threshold;
                if (available && association.Active is { IsClosed: false } active)
                {
                    active.Enqueue(heartbeat);
                }
                else if (available && !association.OutboundPending && association.NeedsConnection
                    && System.TimeProvider.GetElapsedTime(association.LastConnectAttempt) >= Options.HeartbeatInterval)
                {
                    association.OutboundPending = true;
                    association.LastConnectAttempt = System.TimeProvider.GetTimestamp();
                    connect = true;
                }
            }
            if (!available)
            {
                MarkUnreachable(association, phi);
            }
            else if (connect)
            {
                _ = Task.Run(() => ConnectAsync(association));
            }
        }
    }

    private void MarkUnreachable(Association association, double phi)
    {
        if (!_associations.TryRemove(new KeyValuePair<Address, Association>(association.Remote, association)))
        {
            return;
        }
        List<(IActorRef Watcher, IActorRef Watchee)> watching;
        List<(IActorRef Watchee, IActorRef Watcher)> watchedBy;
        Connection? active;
        lock (association.Lock)
        {
            watching = [.. association.WatchingRemote];
            watchedBy = [.. association.WatchedByRemote];
            active = association.Active;
            association.Pending.Clear();
            if (association.RemoteUid is { } uid)
            {
                _quarantined[uid] = true;
            }
        }
        var level = watching.Count > 0 || active is not null ? ActorLogLevel.Warning : ActorLogLevel.Debug;
        var why = association.RemoteUid is null ? "no connection within the handshake timeout plus the acceptable pause" : $"phi {phi:0.0}";
        System.Log(level, _logSource, $"{association.Remote} is unreachable ({why}); {watching.Count} watch(es) terminated");
        active?.Close(ActorLogLevel.Info, "peer unreachable");
        EndWatches(watching, watchedBy);
    }

    /// <summary>Watchers of a lost incarnation's actors learn it; its watches of our actors are dropped.</summary>
    private static void EndWatches(List<(IActorRef Watcher, IActorRef Watchee)> watching, List<(IActorRef Watchee, IActorRef Watcher)> watchedBy)
    {
        foreach (var (watcher, watchee) in watching)
        {
            ((ActorRefBase)watcher).SendSystemMessage(new DeathWatchNotification(watchee, ExistenceConfirmed: false, AddressTerminated: true));
        }
        foreach (var (watchee, watcher) in watchedBy)
        {
            ((ActorRefBase)watchee).SendSystemMessage(new Unwatch(watchee, watcher));
        }
    }

    private async Task<Stream> SecureAsServerAsync(Stream stream, CancellationToken cancellationToken)
    {
        if (Options.Tls is not { } tls)
        {
            return stream;
        }
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
        {
            ServerCertificate = tls.Certificate,
            ClientCertificateRequired = true,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => tls.IsTrusted(certificate),
        }, cancellationToken).ConfigureAwait(false);
        return ssl;
    }

    private async Task<Stream> SecureAsClientAsync(Stream stream, Address remote, CancellationToken cancellationToken)
    {
        if (Options.Tls is not { } tls)
        {
            return stream;
        }
        var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = remote.Host,
            ClientCertificates = [tls.Certificate],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => tls.IsTrusted(certificate),
        }, cancellationToken).ConfigureAwait(false);
        return ssl;
    }

    private async Task<Frame> ReadHandshakeFrameAsync(Stream stream, Frame.KindOneofCase expected, CancellationToken cancellationToken)
    {
        var frame = await FrameCodec.ReadAsync(stream, HandshakeFrameBytes, cancellationToken).ConfigureAwait(false)
            ?? throw new FrameException($"peer closed the connection during the handshake (expected {expected})");
        if (frame.KindCase == Frame.KindOneofCase.Result && expected != Frame.KindOneofCase.Result)
        {
            throw new FrameException($"peer refused the handshake: {frame.Result.Reason}");
        }
        return frame.KindCase == expected ? frame : throw new FrameException($"expected a {expected} frame during the handshake, got {frame.KindCase}");
    }

    private static async Task TryWriteResultAsync(Stream stream, bool accepted, string reason, CancellationToken cancellationToken)
    {
        try
        {
            await FrameCodec.WriteAsync(stream, new Frame { Result = new HandshakeResult { Accepted = accepted, Reason = reason } }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException)
        {
            // The peer is gone already; there is nobody left to tell.
        }
    }

    private static Address ParsePeerAddress(string text)
    {
        try
        {
            var address = Address.Parse(text, out var rest);
            return address.Protocol == Address.TcpProtocol && rest.Length == 0
                ? address
                : throw new FrameException($"peer address '{text}' is not a {Address.TcpProtocol} address");
        }
        catch (FormatException exception)
        {
            throw new FrameException($"peer address: {exception.Message}", exception);
        }
    }
}
