using System.Buffers;
using System.Buffers.Binary;
using Cluster.Shared.Protos;
using Google.Protobuf;

namespace Cluster.Shared.Remoting;

/// <summary>
/// The wire format: each frame is a 4-byte big-endian length N followed by N bytes of a protobuf
/// <see cref="Frame"/> (see <c>Protos/remoting.proto</c>). A length of 0 or above the maximum, a
/// truncated body, or bytes that are not a Frame of a known kind are protocol errors.
/// </summary>
public static class FrameCodec
{
    public const int LengthPrefixBytes = 4;

    public static async ValueTask WriteAsync(Stream stream, Frame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(frame);
        var size = frame.CalculateSize();
        var buffer = ArrayPool<byte>.Shared.Rent(LengthPrefixBytes + size);
        try
        {
            BinaryPrimitives.WriteInt32BigEndian(buffer, size);
            frame.WriteTo(buffer.AsSpan(LengthPrefixBytes, size));
            await stream.WriteAsync(buffer.AsMemory(0, LengthPrefixBytes + size), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The next frame, or null when the peer closed the stream cleanly between frames.</summary>
    public static async ValueTask<Frame?> ReadAsync(Stream stream, int maximumFrameBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var prefix = new byte[LengthPrefixBytes];
        var first = await stream.ReadAtLeastAsync(prefix, LengthPrefixBytes, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (first == 0)
        {
            return null;
        }
        if (first < LengthPrefixBytes)
        {
            throw new FrameException("connection ended inside a frame's length prefix");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(prefix);
        if (length == 0)
        {
            throw new FrameException("malformed frame: length 0");
        }
        if (length > (uint)maximumFrameBytes)
        {
            throw new FrameException($"frame of {length} bytes exceeds the maximum of {maximumFrameBytes} bytes");
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var read = await stream.ReadAtLeastAsync(buffer.AsMemory(0, (int)length), (int)length, throwOnEndOfStream: false, cancellationToken)
                .ConfigureAwait(false);
            if (read < length)
            {
                throw new FrameException($"connection ended inside a frame ({read} of {length} bytes)");
            }
            return Parse(buffer.AsSpan(0, (int)length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static Frame Parse(ReadOnlySpan<byte> body)
    {
        Frame frame;
        try
        {
            frame = Frame.Parser.ParseFrom(body);
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new FrameException($"malformed frame: {exception.Message}", exception);
        }
        return frame.KindCase == Frame.KindOneofCase.None
            ? throw new FrameException("malformed frame: no known kind")
            : frame;
    }
}
