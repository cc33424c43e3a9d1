using System.Buffers.Binary;
using Cluster.Shared.Protos;
using Cluster.Shared.Remoting;
using Google.Protobuf;

namespace Cluster.Shared.Tests.Remoting;

public sealed class FrameCodecTests
{
    private static byte[] Prefixed(uint length, byte[] body)
    {
        var bytes = new byte[4 + body.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, length);
        body.CopyTo(bytes, 4);
        return bytes;
    }

    [Fact]
    public async Task A_frame_round_trips_with_a_big_endian_length_prefix()
    {
        var frame = new Frame { Heartbeat = new Heartbeat { Sequence = 300 } };
        using var stream = new MemoryStream();
        await FrameCodec.WriteAsync(stream, frame, CancellationToken.None);
        var bytes = stream.ToArray();
        Assert.Equal((uint)(bytes.Length - 4), BinaryPrimitives.ReadUInt32BigEndian(bytes));
        Assert.Equal(frame.ToByteArray(), bytes[4..]);
        stream.Position = 0;
        Assert.Equal(frame, await FrameCodec.ReadAsync(stream, 1024, CancellationToken.None));
        Assert.Null(await FrameCodec.ReadAsync(stream, 1024, CancellationToken.None));
    }

    [Fact]
    public async Task An_oversized_length_is_refused_before_reading_the_body()
    {
        using var stream = new MemoryStream(Prefixed(2048, []));
        var error = await Assert.ThrowsAsync<FrameException>(async () => await FrameCodec.ReadAsync(stream, 1024, CancellationToken.None));
        Assert.Equal("frame of 2048 bytes exceeds the maximum of 1024 bytes", error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0 }, "length 0")]
    [InlineData(new byte[] { 0, 0 }, "length prefix")]
    [InlineData(new byte[] { 0, 0, 0, 5, 1, 2 }, "2 of 5 bytes")]
    [InlineData(new byte[] { 0, 0, 0, 11, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF }, "malformed frame")]
    [InlineData(new byte[] { 0, 0, 0, 2, 0x78, 0x01 }, "no known kind")]
    public async Task Truncated_or_malformed_frames_are_refused_with_the_reason(byte[] bytes, string reason)
    {
        using var stream = new MemoryStream(bytes);
        var error = await Assert.ThrowsAsync<FrameException>(async () => await FrameCodec.ReadAsync(stream, 1024, CancellationToken.None));
        Assert.Contains(reason, error.Message);
    }
}
