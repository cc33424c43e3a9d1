using System.Net.Sockets;
using Cluster.Shared.Actors;
using Cluster.Shared.Protos;
using Cluster.Shared.Remoting;
using Google.Protobuf;

namespace Cluster.Shared.Tests.Remoting;

/// <summary>
/// A hand-driven peer on a plain socket: it speaks the handshake from the wire description (or does
/// not), then sends whatever bytes a test wants, including broken ones, and can fall silent.
/// </summary>
public sealed class RawPeer : IAsyncDisposable
{
    private readonly TcpClient _client;

    private RawPeer(TcpClient client)
    {
        _client = client;
        Stream = client.GetStream();
    }

    public NetworkStream Stream { get; }

    public static async Task<RawPeer> ConnectAsync(Address target)
    {
        var client = new TcpClient();
        await client.ConnectAsync(target.Host!, target.Port!.Value);
        return new RawPeer(client);
    }

    /// <summary>Runs the initiator side of the handshake; null when the acceptor hung up instead of answering.</summary>
    public async Task<HandshakeResult?> HandshakeAsync(byte[] secret, string claimedAddress, ulong uid = 42)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var nonce = HandshakeProof.NewNonce();
        await FrameCodec.WriteAsync(Stream, new Frame
        {
            Hello = new Hello { ProtocolVersion = RemoteTransport.ProtocolVersion, Address = claimedAddress, Uid = uid, Nonce = ByteString.CopyFrom(nonce) },
        }, timeout.Token);
        var challenge = (await FrameCodec.ReadAsync(Stream, 4096, timeout.Token))!.Challenge;
        var proof = HandshakeProof.Compute(secret, HandshakeProof.InitiatorRole, nonce, challenge.Nonce.Span, claimedAddress, challenge.Address);
        await FrameCodec.WriteAsync(Stream, new Frame { Response = new ChallengeResponse { Proof = ByteString.CopyFrom(proof) } }, timeout.Token);
        try
        {
            return (await FrameCodec.ReadAsync(Stream, 4096, timeout.Token))?.Result;
        }
        catch (IOException)
        {
            return null;
        }
    }

    public async Task SendAsync(byte[] bytes) => await Stream.WriteAsync(bytes);

    /// <summary>Reads (and ignores) whatever arrives until the other side closes; false if it stays open.</summary>
    public async Task<bool> WaitUntilClosedAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await Stream.ReadAsync(buffer, cancellation.Token) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
