using Cluster.Shared.Protocol;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;

namespace Cluster.DataNode.Batches;

/// <summary>The items of all training manifests by id, as the coordinator's plan names them.</summary>
public static class ManifestLookup
{
    /// <exception cref="InvalidDataException">Two manifests (or one, twice) hold the same id: a plan naming it would be
    /// ambiguous.</exception>
    public static IReadOnlyDictionary<string, Utterance> Utterances(IEnumerable<Manifest> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        var byId = new Dictionary<string, Utterance>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var manifest in manifests)
        {
            foreach (var utterance in manifest.Utterances)
            {
                if (!byId.TryAdd(utterance.Id, utterance))
                    throw new InvalidDataException($"utterance id '{utterance.Id}' is in both {sources[utterance.Id]} and {manifest.Source}");
                sources[utterance.Id] = manifest.Source;
            }
        }
        return byId;
    }

    /// <exception cref="InvalidDataException">As <see cref="Utterances"/>, for pair ids.</exception>
    public static IReadOnlyDictionary<string, EnhancementPair> Pairs(IEnumerable<EnhancementManifest> manifests)
    {
        ArgumentNullException.ThrowIfNull(manifests);
        var byId = new Dictionary<string, EnhancementPair>(StringComparer.Ordinal);
        var sources = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var manifest in manifests)
        {
            foreach (var pair in manifest.Pairs)
            {
                if (!byId.TryAdd(pair.Id, pair))
                    throw new InvalidDataException($"pair id '{pair.Id}' is in both {sources[pair.Id]} and {manifest.Source}");
                sources[pair.Id] = manifest.Source;
            }
        }
        return byId;
    }

    internal static SkippedItem NotInManifests(string id) => new(id, "", "not in the job's training manifests");

    internal static SkippedExample ToWire(SkippedItem item) => new() { Id = item.Id, Path = item.Path, Reason = item.Reason };
}
