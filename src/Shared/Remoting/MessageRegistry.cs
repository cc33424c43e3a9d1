using System.Collections.Concurrent;
using Cluster.Shared.Protos;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Cluster.Shared.Remoting;

/// <summary>
/// The protobuf message types that may travel between systems, by full protobuf name. Decoding goes
/// only through parsers registered here, so a peer can never make us load or build a type it names.
/// </summary>
public sealed class MessageRegistry
{
    private readonly ConcurrentDictionary<string, MessageParser> _parsers = new(StringComparer.Ordinal);

    public MessageRegistry Register(MessageDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        _parsers[descriptor.FullName] = descriptor.Parser;
        return this;
    }

    public MessageRegistry Register<T>()
        where T : IMessage<T>, new() => Register(new T().Descriptor);

    /// <summary>Registers every message type of a generated file (its <c>XxxReflection.Descriptor</c>).</summary>
    public MessageRegistry Register(FileDescriptor file)
    {
        ArgumentNullException.ThrowIfNull(file);
        foreach (var message in file.MessageTypes)
        {
            Register(message);
        }
        return this;
    }

    public bool IsRegistered(string typeName) => _parsers.ContainsKey(typeName);

    internal bool TrySerialize(object message, out Payload payload, out string error)
    {
        payload = new Payload();
        if (message is not IMessage protobuf)
        {
            error = $"{message.GetType().Name} is not a protobuf message";
            return false;
        }
        var typeName = protobuf.Descriptor.FullName;
        if (!IsRegistered(typeName))
        {
            error = $"message type {typeName} is not registered";
            return false;
        }
        payload = new Payload { TypeName = typeName, Data = protobuf.ToByteString() };
        error = "";
        return true;
    }

    /// <summary>Null when the type is unknown here; throws <see cref="InvalidProtocolBufferException"/> for bad bytes.</summary>
    internal IMessage? Deserialize(Payload payload) =>
        _parsers.TryGetValue(payload.TypeName, out var parser) ? parser.ParseFrom(payload.Data) : null;
}
