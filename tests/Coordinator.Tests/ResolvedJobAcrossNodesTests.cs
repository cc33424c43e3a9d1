using Cluster.Coordinator.Jobs;
using Cluster.DataNode.Batches;
using Cluster.GpuNode;
using Cluster.Shared.Jobs;
using Cluster.Speech.Audio;
using Cluster.Speech.Models.Whisper;
using Cluster.Torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Coordinator.Tests;

/// <summary>
/// Each fact of a resolved job as the three roles see it, through the code each role runs: the coordinator's resolution
/// and epoch plan (what <c>JobHost</c> does), the DataNode's batch producer building a planned batch, and the trainer's
/// core built from the same spec and training on that batch. Jobs: Whisper from a pretrained checkpoint whose dims
/// differ from every default, Whisper from inline dims, and TF-GridNetV2 at 8 kHz.
/// </summary>
public sealed class ResolvedJobAcrossNodesTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "cluster-resolved-" + Guid.NewGuid().ToString("N"));

    public ResolvedJobAcrossNodesTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        foreach (var core in cores) core.Dispose();
        Directory.Delete(directory, recursive: true);
    }

    // 128 mel bins and a 24-token text context: a node that fell back to a default (80 bins, 448 tokens) would differ.
    private static readonly WhisperConfig PretrainedDims = WhisperConfig.Preset("tiny") with
    {
        NumMelBins = 128, DModel = 32, EncoderLayers = 1, DecoderLayers = 1, EncoderAttentionHeads = 2, DecoderAttentionHeads = 2,
        EncoderFfnDim = 64, DecoderFfnDim = 64, MaxSourcePositions = 50, MaxTargetPositions = 24,
    };

    [Fact]
    public void A_pretrained_whisper_checkpoint_gives_every_role_its_dims_and_label_length()
    {
        string pretrained = Path.Combine(directory, "pretrained");
        using (var model = new WhisperModel(PretrainedDims)) model.SavePretrained(pretrained);
        WriteSpeech(16000);
        string yaml = Job("""
            model:
              whisper:
                pretrained: pretrained
            data:
              format: jsonl
              train: train.jsonl
              language: zh
            batching:
              batch_size: 2
              max_tokens: 40
            """);

        var (coordinator, plan, batch, core) = Roles(yaml);

        Assert.Equal(PretrainedDims, coordinator.Whisper);
        Assert.Equal(coordinator.Whisper, core.Resolved.Whisper);
        // max_tokens 40 is cut to the model's 24-token context, for the DataNode's labels and the trainer's evaluation.
        Assert.Equal(24, coordinator.WhisperBatches!.MaxLabelTokens);
        Assert.Equal(coordinator.WhisperBatches, core.Resolved.WhisperBatches);
        var micro = BatchDecoder.Whisper(batch, Device.CPU)!;
        Assert.Equal([plan.Batches[0].ItemIds.Count, 128, 100], micro.Mel.shape);
        Assert.InRange(micro.Labels.shape[1], 1, 24);
        Assert.True(double.IsFinite(core.TrainStep(1, 0, [batch]).Loss));
    }

    [Fact]
    public void Inline_whisper_dims_give_every_role_the_same_model()
    {
        WriteSpeech(16000);
        string yaml = Job("""
            model:
              whisper:
                dims: {num_mel_bins: 80, d_model: 32, encoder_layers: 1, decoder_layers: 1, encoder_attention_heads: 2, decoder_attention_heads: 2, max_source_positions: 50, max_target_positions: 32}
            data:
              format: jsonl
              train: train.jsonl
              language: zh
            batching:
              batch_size: 2
            """);

        var (coordinator, plan, batch, core) = Roles(yaml);

        Assert.Equal(coordinator.Whisper, core.Resolved.Whisper);
        Assert.Equal((80, 32), (coordinator.Whisper!.NumMelBins, coordinator.Whisper.MaxTargetPositions));
        var micro = BatchDecoder.Whisper(batch, Device.CPU)!;
        Assert.Equal([plan.Batches[0].ItemIds.Count, 80, 100], micro.Mel.shape);
        Assert.True(double.IsFinite(core.TrainStep(1, 0, [batch]).Loss));
    }

    [Fact]
    public void An_8_khz_enhancement_job_is_cropped_trained_and_evaluated_at_8_khz()
    {
        WritePairs(8000);
        string yaml = Job("""
            model:
              tfgridnetv2:
                preset: espnet8k
                config: {n_srcs: 1, n_fft: 64, stride: 32, n_layers: 1, lstm_hidden_units: 8, emb_dim: 8, attn_n_head: 1}
            data:
              train: pairs.csv
              eval: pairs.csv
              sample_rate: 8000
              enhancement:
                crop_seconds: 0.5
            batching:
              batch_size: 2
            evaluation:
              metric: si_snri
            """);

        var (coordinator, _, batch, core) = Roles(yaml);

        Assert.Equal((8000, 4000), (coordinator.SampleRate, coordinator.CropSamples!.Value));
        Assert.Equal((coordinator.SampleRate, coordinator.CropSamples), (core.Resolved.SampleRate, core.Resolved.CropSamples));
        Assert.Equal(DataForm.EnhancementPairs, core.Resolved.DataForm);
        var micro = BatchDecoder.Enhancement(batch, Device.CPU)!;
        Assert.Equal(4000, micro.Noisy.shape[^1]);
        Assert.True(double.IsFinite(core.TrainStep(1, 0, [batch]).Loss));
        Assert.Equal(8000, EnhancementEvaluationData.FromJob(core.Job).SampleRate);
    }

    // The coordinator's resolution and first epoch plan, the DataNode's build of the plan's first batch, and a trainer.
    private (ResolvedJob Coordinator, PlannedEpoch Plan, Shared.Protocol.BatchData Batch, TrainerCore Trainer) Roles(string yaml)
    {
        JobSpec spec = JobSpecLoader.Parse(yaml, "test job", directory);
        var coordinator = ResolvedJob.Resolve(spec);
        var plan = ManifestEpochPlanner.Load(spec, validate: false, _ => { }).Plan(0);
        var batch = BatchProducers.FromJob(JobSpecLoader.Parse(yaml, "test job", directory), "data-1")
            .Build(0, plan.Batches[0].BatchId, plan.Batches[0].ItemIds);
        Assert.Empty(batch.Skipped);
        var core = TrainerCore.Create(JobSpecLoader.Parse(yaml, "test job", directory), yaml, Device.CPU);
        cores.Add(core);
        return (coordinator, plan, batch, core);
    }

    private readonly List<TrainerCore> cores = [];

    private static string Job(string sections) => "name: resolved\nseed: 1\n" + sections + "\n" + """
        optimizer:
          name: adamw
          lr: 1.0e-3
        schedule:
          kind: constant
          max_steps: 2
        checkpointing:
          directory: checkpoints
          every_steps: 2
          keep_best: 0
        """;

    private void WriteSpeech(int rate)
    {
        var lines = Enumerable.Range(0, 2).Select(i =>
        {
            string path = Path.Combine(directory, $"u{i}.wav");
            AudioFile.WriteWav(path, Tone(rate, 300 + 100 * i), rate);
            return $$"""{"id": "u{{i}}", "audio": "u{{i}}.wav", "text": "你好", "duration": 1.0}""";
        });
        File.WriteAllLines(Path.Combine(directory, "train.jsonl"), lines);
    }

    private void WritePairs(int rate)
    {
        var rows = Enumerable.Range(0, 2).Select(i =>
        {
            float[] clean = Tone(rate, 300 + 100 * i), noisy = clean.Select((s, t) => s + 0.05f * MathF.Sin(t * 1.7f)).ToArray();
            AudioFile.WriteWav(Path.Combine(directory, $"clean{i}.wav"), clean, rate);
            AudioFile.WriteWav(Path.Combine(directory, $"noisy{i}.wav"), noisy, rate);
            return $"p{i},noisy{i}.wav,clean{i}.wav";
        });
        File.WriteAllLines(Path.Combine(directory, "pairs.csv"), ["id,noisy,clean", .. rows]);
    }

    private static float[] Tone(int rate, double frequency) =>
        Enumerable.Range(0, rate).Select(t => (float)(0.3 * Math.Sin(2 * Math.PI * frequency * t / rate))).ToArray();
}
