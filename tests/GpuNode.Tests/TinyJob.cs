using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;
using Cluster.Shared.Wire;
using Cluster.Speech.Models.Whisper;
using Cluster.Torch;
using Google.Protobuf;

namespace Cluster.GpuNode.Tests;

/// <summary>A Whisper of d = 32 with one encoder and one decoder layer, and batches for it, so steps take milliseconds.</summary>
internal static class TinyJob
{
    public const int Mels = 8, Frames = 12, Length = 5, Vocabulary = 13;

    public static readonly WhisperConfig Config = new()
    {
        NumMelBins = Mels,
        DModel = 32,
        EncoderLayers = 1,
        EncoderAttentionHeads = 2,
        EncoderFfnDim = 64,
        DecoderLayers = 1,
        DecoderAttentionHeads = 2,
        DecoderFfnDim = 64,
        MaxSourcePositions = Frames / 2,
        MaxTargetPositions = 8,
        VocabSize = Vocabulary,
        EosTokenId = 1,
        DecoderStartTokenId = 2,
        PadTokenId = 1,
        BosTokenId = 1,
    };

    /// <summary>The job as the coordinator sends it: the tiny Whisper with 80 mel bins (what the loader accepts).</summary>
    public static string Yaml(int maxSteps, int checkpointEvery) => $"""
        name: tiny
        seed: 3
        model:
          whisper:
            dims:
              d_model: 32
              encoder_layers: 1
              decoder_layers: 1
              encoder_attention_heads: 2
              decoder_attention_heads: 2
              encoder_ffn_dim: 64
              decoder_ffn_dim: 64
              num_mel_bins: 80
              max_source_positions: {Frames / 2}
              max_target_positions: 8
        data:
          train: train.tsv
          language: zh
        optimizer:
          lr: 0.001
        schedule:
          max_steps: {maxSteps}
        batching:
          batch_size: 2
        checkpointing:
          directory: checkpoints
          every_steps: {checkpointEvery}
          keep_best: 0
        """;

    public static JobSpec Spec(string checkpoints, int keepLast = 2, int everySteps = 1000, int maxSteps = 10) => new()
    {
        Name = "tiny",
        Seed = 7,
        Model = new ModelSpec { Whisper = new WhisperModelSpec { Dims = Config } },
        Data = new DataSpec { Train = ["unused.tsv"] },
        Optimizer = new OptimizerSpec { LearningRate = 1e-2 },
        Schedule = new ScheduleSpec { Kind = ScheduleKind.Linear, WarmupSteps = 2, MaxSteps = maxSteps },
        Batching = new BatchingSpec(),
        Training = new TrainingSpec { MaxGradNorm = 1.0 },
        Checkpointing = new CheckpointingSpec { Directory = checkpoints, EverySteps = everySteps, KeepLast = keepLast, KeepBest = 0 },
    };

    /// <summary>A batch of <paramref name="size"/> examples, deterministic in <paramref name="seed"/>, labels partly ignored.</summary>
    public static BatchData Batch(string id, int size, int seed, int mels = Mels)
    {
        var random = new Random(seed);
        var features = new float[size * mels * Frames];
        for (int i = 0; i < features.Length; i++) features[i] = (float)(random.NextDouble() * 2 - 1);
        var input = new long[size * Length];
        var labels = new long[size * Length];
        for (int b = 0; b < size; b++)
        {
            int labelled = 2 + random.Next(Length - 1);
            for (int t = 0; t < Length; t++)
            {
                input[b * Length + t] = t == 0 ? 2 : random.Next(3, Vocabulary);
                labels[b * Length + t] = t < labelled ? random.Next(3, Vocabulary) : -100;
            }
        }
        var batch = new BatchData { Epoch = 0, BatchId = id, Producer = "test", Examples = size };
        batch.Tensors.Add(Payload(WireTensor.FromFloats("input_features", features, [size, mels, Frames])));
        batch.Tensors.Add(Payload(WireTensor.FromInt64("decoder_input_ids", input, [size, Length])));
        batch.Tensors.Add(Payload(WireTensor.FromInt64("labels", labels, [size, Length])));
        return batch;
    }

    public static TensorPayload Payload(WireTensor tensor)
    {
        var payload = new TensorPayload { Name = tensor.Name, Dtype = (int)tensor.DType, Data = ByteString.CopyFrom(tensor.Data) };
        payload.Shape.AddRange(tensor.Shape);
        return payload;
    }

    public static Dictionary<string, float[]> Weights(TrainerCore core) =>
        core.Parameters.ToDictionary(p => p.Name, p => p.Parameter.detach().to(DType.Float32).ToArray<float>());
}
