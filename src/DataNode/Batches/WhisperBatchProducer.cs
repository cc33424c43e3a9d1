using Cluster.Shared.Protocol;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;
using Cluster.Torch;

namespace Cluster.DataNode.Batches;

/// <summary>Whisper batches of manifest utterances: log-Mel features, decoder inputs and labels.</summary>
public sealed class WhisperBatchProducer : IBatchProducer
{
    private readonly string _producer;
    private readonly IReadOnlyDictionary<string, Utterance> _utterances;
    private readonly BuilderPool<WhisperBatchBuilder> _builders;
    private readonly DType _featureEncoding;

    /// <param name="producer">The node's name, stamped on every batch.</param>
    /// <param name="createBuilder">Makes one builder per concurrent worker (builders are not thread-safe).</param>
    public WhisperBatchProducer(string producer, IReadOnlyDictionary<string, Utterance> utterances, Func<WhisperBatchBuilder> createBuilder, DType featureEncoding)
    {
        ArgumentException.ThrowIfNullOrEmpty(producer);
        ArgumentNullException.ThrowIfNull(utterances);
        ArgumentNullException.ThrowIfNull(createBuilder);
        _producer = producer;
        _utterances = utterances;
        _builders = new BuilderPool<WhisperBatchBuilder>(createBuilder);
        _featureEncoding = featureEncoding;
    }

    public BatchData Build(int epoch, string batchId, IReadOnlyList<string> itemIds)
    {
        ArgumentNullException.ThrowIfNull(itemIds);
        var known = new List<Utterance>(itemIds.Count);
        var unknown = new List<SkippedItem>();
        foreach (string id in itemIds)
        {
            if (_utterances.TryGetValue(id, out var utterance)) known.Add(utterance);
            else unknown.Add(ManifestLookup.NotInManifests(id));
        }
        WhisperBatch batch = _builders.Use(builder => builder.Build(batchId, known));
        var data = WireBatches.FromWhisper(epoch, _producer, batch, _featureEncoding);
        data.Skipped.AddRange(unknown.Select(ManifestLookup.ToWire));
        return data;
    }
}
