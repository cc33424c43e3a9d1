using Cluster.Shared.Protocol;
using Cluster.Shared.Wire;
using Cluster.Speech.Batching;
using Cluster.Torch;
using Google.Protobuf;

namespace Cluster.DataNode.Batches;

/// <summary>Host batches as <see cref="BatchData"/>: the tensor names and layouts trainers expect (docs/cluster.md).</summary>
public static class WireBatches
{
    /// <summary>A Whisper batch; features travel as <paramref name="featureEncoding"/> (fp16 halves the bytes).</summary>
    public static BatchData FromWhisper(int epoch, string producer, WhisperBatch batch, DType featureEncoding)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var data = Header(epoch, producer, batch.BatchId, batch.Count, batch.Skipped);
        if (batch.Count == 0) return data;
        long rows = batch.Count, length = batch.Labels.Length;
        data.Tensors.Add(Payload(WireTensor.FromFloats(BatchTensorNames.InputFeatures, batch.Features, [rows, batch.MelBins, batch.Frames], featureEncoding)));
        data.Tensors.Add(Payload(WireTensor.FromInt64(BatchTensorNames.DecoderInputIds, batch.Labels.DecoderInput, [rows, length])));
        data.Tensors.Add(Payload(WireTensor.FromInt64(BatchTensorNames.Labels, batch.Labels.Labels, [rows, length])));
        data.AudioSeconds = batch.AudioSeconds;
        data.PaddedSeconds = batch.PaddedSeconds;
        data.LabelTokens = batch.LabelTokens;
        return data;
    }

    public static BatchData FromEnhancement(int epoch, string producer, EnhancementBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var data = Header(epoch, producer, batch.BatchId, batch.Count, batch.Skipped);
        if (batch.Count == 0) return data;
        long[] shape = [batch.Count, batch.Samples];
        data.Tensors.Add(Payload(WireTensor.FromFloats(BatchTensorNames.Noisy, batch.Noisy, shape)));
        data.Tensors.Add(Payload(WireTensor.FromFloats(BatchTensorNames.Clean, batch.Clean, shape)));
        data.AudioSeconds = batch.AudioSeconds;
        data.PaddedSeconds = batch.PaddedSeconds;
        data.InputSiSnrDb.AddRange(batch.InputSiSnrDb.Select(db => (float)db));
        return data;
    }

    /// <summary>A received payload, checked (dtype, shape against byte count) before anyone trusts it.</summary>
    public static WireTensor Parse(TensorPayload payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return WireTensor.Parse(payload.Name, (DType)payload.Dtype, [.. payload.Shape], payload.Data.ToByteArray());
    }

    private static BatchData Header(int epoch, string producer, string batchId, int examples, IReadOnlyList<SkippedItem> skipped)
    {
        var data = new BatchData { Epoch = epoch, BatchId = batchId, Producer = producer, Examples = examples };
        data.Skipped.AddRange(skipped.Select(s => new SkippedExample { Id = s.Id, Path = s.Path, Reason = s.Reason }));
        return data;
    }

    // The tensor's bytes are not touched after this, so the payload wraps them instead of copying megabytes.
    private static TensorPayload Payload(WireTensor tensor)
    {
        var payload = new TensorPayload { Name = tensor.Name, Dtype = (int)tensor.DType, Data = UnsafeByteOperations.UnsafeWrap(tensor.Data) };
        payload.Shape.AddRange(tensor.Shape);
        return payload;
    }
}
