using Cluster.Shared.Protocol;
using Cluster.Speech.Batching;

namespace Cluster.DataNode.Batches;

/// <summary>What a producer reports for a planned id it cannot find in the job's training data.</summary>
public static class ManifestLookup
{
    internal static SkippedItem NotInManifests(string id) => new(id, "", "not in the job's training manifests");

    internal static SkippedExample ToWire(SkippedItem item) => new() { Id = item.Id, Path = item.Path, Reason = item.Reason };
}
