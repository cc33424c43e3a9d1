using Cluster.Shared.Protocol;
using Cluster.Shared.Wire;
using Cluster.Speech.Training;
using Cluster.Torch;

namespace Cluster.GpuNode;

/// <summary>Turns <see cref="BatchData"/> from a data node into training micro-batches on the device, checking the
/// tensors the wave-2 contract names (Whisper: input_features, decoder_input_ids, labels; enhancement: noisy, clean).</summary>
public static class BatchDecoder
{
    /// <returns>Null for a batch whose examples were all skipped (it contributes nothing).</returns>
    /// <exception cref="InvalidDataException">A tensor is missing, malformed, or the shapes disagree; the message names the batch.</exception>
    public static WhisperMicroBatch? Whisper(BatchData batch, Device device)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Examples == 0) return null;
        var tensors = Tensors(batch);
        var features = Get(tensors, batch, BatchTensorNames.InputFeatures, 3);
        var decoderInput = Get(tensors, batch, BatchTensorNames.DecoderInputIds, 2);
        var labels = Get(tensors, batch, BatchTensorNames.Labels, 2);
        if (decoderInput.DType != DType.Int64 || labels.DType != DType.Int64)
            throw new InvalidDataException($"batch '{batch.BatchId}': decoder_input_ids and labels must be int64");
        if (!features.DType.IsFloatingPoint()) throw new InvalidDataException($"batch '{batch.BatchId}': input_features must be floating point, not {features.DType}");
        if (!decoderInput.Shape.SequenceEqual(labels.Shape) || features.Shape[0] != labels.Shape[0])
            throw new InvalidDataException($"batch '{batch.BatchId}': input_features [{string.Join(", ", features.Shape)}], decoder_input_ids [{string.Join(", ", decoderInput.Shape)}] and labels [{string.Join(", ", labels.Shape)}] disagree");
        // Half-precision features only halve the bytes on the wire; the model's master weights are float32.
        return new WhisperMicroBatch(features.ToTensor(device).to(DType.Float32), decoderInput.ToTensor(device), labels.ToTensor(device));
    }

    /// <returns>Null for a batch whose examples were all skipped.</returns>
    /// <exception cref="InvalidDataException">As <see cref="Whisper"/>.</exception>
    public static EnhancementMicroBatch? Enhancement(BatchData batch, Device device)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Examples == 0) return null;
        var tensors = Tensors(batch);
        var noisy = Get(tensors, batch, BatchTensorNames.Noisy, 2);
        var clean = Get(tensors, batch, BatchTensorNames.Clean, 2);
        if (!noisy.Shape.SequenceEqual(clean.Shape))
            throw new InvalidDataException($"batch '{batch.BatchId}': noisy [{string.Join(", ", noisy.Shape)}] and clean [{string.Join(", ", clean.Shape)}] disagree");
        return new EnhancementMicroBatch(noisy.ToTensor(device).to(DType.Float32), clean.ToTensor(device).to(DType.Float32));
    }

    private static Dictionary<string, WireTensor> Tensors(BatchData batch)
    {
        var tensors = new Dictionary<string, WireTensor>(StringComparer.Ordinal);
        foreach (var payload in batch.Tensors)
        {
            WireTensor tensor;
            try
            {
                tensor = WireTensor.Parse(payload.Name, (DType)payload.Dtype, [.. payload.Shape], payload.Data.ToByteArray());
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"batch '{batch.BatchId}': {e.Message}", e);
            }
            if (!tensors.TryAdd(tensor.Name, tensor)) throw new InvalidDataException($"batch '{batch.BatchId}': tensor '{tensor.Name}' appears twice");
        }
        return tensors;
    }

    private static WireTensor Get(Dictionary<string, WireTensor> tensors, BatchData batch, string name, int dimensions)
    {
        if (!tensors.TryGetValue(name, out var tensor)) throw new InvalidDataException($"batch '{batch.BatchId}' has no tensor '{name}'");
        if (tensor.Shape.Count != dimensions)
            throw new InvalidDataException($"batch '{batch.BatchId}': tensor '{name}' has {tensor.Shape.Count} dimensions, expected {dimensions}");
        return tensor;
    }
}
