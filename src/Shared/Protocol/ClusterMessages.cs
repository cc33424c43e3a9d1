using Cluster.Shared.Remoting;

namespace Cluster.Shared.Protocol;

/// <summary>The message types of the cluster's actor protocols: the only ones a node decodes from the wire.</summary>
public static class ClusterMessages
{
    public static MessageRegistry CreateRegistry() => new MessageRegistry()
        .Register(WireReflection.Descriptor)
        .Register(CoordinatorReflection.Descriptor)
        .Register(DatanodeReflection.Descriptor)
        .Register(TrainerReflection.Descriptor);
}
