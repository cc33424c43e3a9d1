using Cluster.Shared.Protos;
using Cluster.Shared.Remoting;
using Google.Protobuf.WellKnownTypes;

namespace Cluster.Shared.Tests.Remoting;

public sealed class MessageRegistryTests
{
    [Fact]
    public void Registered_types_round_trip_by_protobuf_name()
    {
        var registry = new MessageRegistry().Register<StringValue>();
        Assert.True(registry.TrySerialize(new StringValue { Value = "hi" }, out var payload, out _));
        Assert.Equal("google.protobuf.StringValue", payload.TypeName);
        Assert.Equal(new StringValue { Value = "hi" }, registry.Deserialize(payload));
    }

    [Fact]
    public void Unregistered_or_non_protobuf_messages_are_refused_with_the_reason()
    {
        var registry = new MessageRegistry().Register<StringValue>();
        Assert.False(registry.TrySerialize(new Int32Value { Value = 1 }, out _, out var unregistered));
        Assert.Equal("message type google.protobuf.Int32Value is not registered", unregistered);
        Assert.False(registry.TrySerialize("plain string", out _, out var notProtobuf));
        Assert.Equal("String is not a protobuf message", notProtobuf);
        Assert.Null(registry.Deserialize(new Payload { TypeName = "System.Diagnostics.Process" }));
    }

    [Fact]
    public void A_whole_generated_file_can_be_registered()
    {
        var registry = new MessageRegistry().Register(RemotingReflection.Descriptor);
        Assert.True(registry.IsRegistered("cluster.remoting.Heartbeat"));
        Assert.True(registry.IsRegistered("cluster.remoting.Envelope"));
    }
}
