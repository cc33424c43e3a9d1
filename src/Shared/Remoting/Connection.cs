using System.Net.Sockets;
using System.Threading.Channels;
using Cluster.Shared.Actors;
using Cluster.Shared.Protos;

namespace Cluster.Shared.Remoting;

/// <summary>
/// One authenticated TCP connection to a peer: a reader loop that hands frames to the transport and a
/// writer loop that drains this connection's queue. A protocol error closes this connection only.
/// </summary>
internal sealed class Connection
{
    private readonly RemoteTransport _transport;
    private readonly Socket _socket;
    private readonly Stream _stream;

    // Separate buffers for the reader and the writer loop: small frames cost one system call per
    // buffer instead of two per frame, and large ones pass straight through.
    private readonly BufferedStream _input;
    private readonly BufferedStream _output;
    private readonly Channel<Frame> _outbound = Channel.CreateUnbounded<Frame>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _cancellation = new();
    private Task _writer = Task.CompletedTask;
    private int _closed;

    public Connection(RemoteTransport transport, Socket socket, Stream stream, Address remote, ulong remoteUid, bool canonical)
    {
        _transport = transport;
        _socket = socket;
        _stream = stream;
        _input = new BufferedStream(stream, 64 * 1024);
        _output = new BufferedStream(stream, 64 * 1024);
        Remote = remote;
        RemoteUid = remoteUid;
        Canonical = canonical;
    }

    public Address Remote { get; }

    public ulong RemoteUid { get; }

    /// <summary>Initiated by the peer with the smaller address: the one that survives a simultaneous connect.</summary>
    public bool Canonical { get; }

    public System.Net.EndPoint? LocalEndPoint => _socket.LocalEndPoint;

    public System.Net.EndPoint? RemoteEndPoint => _socket.RemoteEndPoint;

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    public void Enqueue(Frame frame) => _outbound.Writer.TryWrite(frame);

    public void Start()
    {
        _writer = Task.Run(WriteLoopAsync);
        _ = Task.Run(ReadLoopAsync);
    }

    /// <summary>Sends what is queued (bounded by <paramref name="timeout"/>), then closes.</summary>
    public async Task CloseGracefullyAsync(TimeSpan timeout)
    {
        _outbound.Writer.TryComplete();
        await Task.WhenAny(_writer, Task.Delay(timeout)).ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException)
        {
            // Already gone; closing below is all that is left to do.
        }
        Close(ActorLogLevel.Debug, "closed on shutdown");
    }

    public void Close(ActorLogLevel level, string reason)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }
        _transport.System.Log(level, $"remoting {_transport.LocalAddress}", $"connection to {Remote} closed: {reason}");
        _outbound.Writer.TryComplete();
        _cancellation.Cancel();
        _stream.Dispose();
        _socket.Dispose();
        _transport.OnConnectionClosed(this);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (!_cancellation.IsCancellationRequested)
            {
                var frame = await FrameCodec.ReadAsync(_input, _transport.Options.MaximumFrameBytes, _cancellation.Token).ConfigureAwait(false);
                if (frame is null)
                {
                    Close(ActorLogLevel.Info, "peer closed the connection");
                    return;
                }
                _transport.OnFrame(this, frame);
            }
        }
        catch (FrameException exception)
        {
            Close(ActorLogLevel.Warning, exception.Message);
        }
        catch (Exception exception) when (exception is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            Close(ActorLogLevel.Info, $"read failed: {exception.Message}");
        }
        catch (Exception exception)
        {
            // Whatever a peer sends must cost at most its own connection.
            Close(ActorLogLevel.Error, $"frame handling failed: {exception.GetType().Name}: {exception.Message}");
        }
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            var reader = _outbound.Reader;
            while (await reader.WaitToReadAsync(_cancellation.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var frame))
                {
                    await FrameCodec.WriteAsync(_output, frame, _cancellation.Token).ConfigureAwait(false);
                }
                await _output.FlushAsync(_cancellation.Token).ConfigureAwait(false);
            }
        }
        catch (Exception exception)
        {
            Close(ActorLogLevel.Info, $"write failed: {exception.Message}");
        }
    }
}
