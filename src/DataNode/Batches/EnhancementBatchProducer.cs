using Cluster.Shared.Protocol;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;

namespace Cluster.DataNode.Batches;

/// <summary>TF-GridNetV2 batches: crops of noisy/clean pairs, or of clean speech mixed with noise on the fly.</summary>
public sealed class EnhancementBatchProducer : IBatchProducer
{
    private readonly string _producer;
    private readonly IReadOnlyDictionary<string, EnhancementPair> _pairs;
    private readonly EnhancementBatchBuilder _builder;

    public EnhancementBatchProducer(string producer, IReadOnlyDictionary<string, EnhancementPair> pairs, EnhancementBatchBuilder builder)
    {
        ArgumentException.ThrowIfNullOrEmpty(producer);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(builder);
        _producer = producer;
        _pairs = pairs;
        _builder = builder;
    }

    public BatchData Build(int epoch, string batchId, IReadOnlyList<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        var known = new List<EnhancementPair>(itemIds.Count);
        var unknown = new List<SkippedItem>();
        foreach (string id in itemIds)
        {
            if (_pairs.TryGetValue(id, out var pair)) known.Add(pair);
            else unknown.Add(ManifestLookup.NotInManifests(id));
        }
        // The enhancement builder keeps no scratch state, so one instance serves every worker.
        var data = WireBatches.FromEnhancement(epoch, _producer, _builder.Build(batchId, epoch, known));
        data.Skipped.AddRange(unknown.Select(ManifestLookup.ToWire));
        return data;
    }
}
