using System.Globalization;
using Cluster.Coordinator.Cli;
using Cluster.Coordinator.Runtime;
using Cluster.Speech.Data;
using Cluster.Speech.Synthesis;

namespace Cluster.Coordinator.Demo;

/// <summary>
/// <c>cluster demo</c>: synthesizes a small Mandarin corpus with espeak-ng, writes its manifests and a job spec into the
/// output folder, and trains a tiny Whisper on it with DataNodes and GpuNodes as local processes on the CPU, showing the
/// loss and the held-out CER fall and writing checkpoints. The model is the recipe that learns fast on a CPU
/// (bench/learning): d_model 128, 2 encoder and 1 decoder layers, peak lr 1e-3, clips of at most 4 s (400 frames).
/// </summary>
public static class WhisperDemo
{
    private const double MaxClipSeconds = 4;

    public static int Run(DemoOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        string root = Path.GetFullPath(options.OutputDirectory);
        string jobPath = Path.Combine(root, "job.yaml");
        string train = Path.Combine(root, "train.jsonl");
        string dev = Path.Combine(root, "dev.jsonl");
        if (!File.Exists(train) || !File.Exists(dev))
        {
            output.WriteLine($"synthesizing {options.Utterances} Mandarin utterances with espeak-ng into {root} ...");
            SynthesizedCorpus corpus = CorpusSynthesizer.Write(Path.Combine(root, "corpus"), new CorpusSynthesisOptions
            {
                Languages = ["cmn"],
                Utterances = options.Utterances,
                Seed = options.Seed,
                DevFraction = 0.1,
                TestFraction = 0,
            });
            // The 400-frame model hears 4 s: longer clips would be cut mid-sentence and their labels would lie.
            IEnumerable<Utterance> Short(string split) => corpus.Splits[split].Where(u => u.Duration <= MaxClipSeconds);
            ManifestWriter.WriteJsonl(dev, Short("dev"));
            ManifestWriter.WriteJsonl(train, Short("train"));
            output.WriteLine($"corpus: {corpus.Count} utterances ({corpus.TotalSeconds / 60:F1} min), {Short("train").Count()} training clips of at most {MaxClipSeconds} s");
        }

        File.WriteAllText(jobPath, JobYaml(options));
        // Every demo trains from scratch: `cluster train` would resume from an earlier demo's checkpoints (a stopped demo
        // resumes with `cluster train out/demo/job.yaml`).
        string checkpoints = Path.Combine(root, "checkpoints");
        if (Directory.Exists(checkpoints))
        {
            output.WriteLine($"removing the checkpoints of the previous demo in {checkpoints}");
            Directory.Delete(checkpoints, recursive: true);
        }

        return TrainRun.Run(new TrainOptions(jobPath, options.DataNodes, options.GpuNodes), output, error);
    }

    private static string JobYaml(DemoOptions options)
    {
        int every = Math.Max(10, options.Steps / 6);
        return string.Create(CultureInfo.InvariantCulture, $"""
            # Written by `cluster demo`: a tiny Whisper on a synthesized Mandarin corpus, trained on the CPU.
            name: demo
            seed: {options.Seed}
            model:
              whisper:
                dims:
                  d_model: 128
                  encoder_layers: 2
                  decoder_layers: 1
                  encoder_attention_heads: 4
                  decoder_attention_heads: 4
                  encoder_ffn_dim: 512
                  decoder_ffn_dim: 512
                  num_mel_bins: 80
                  max_source_positions: 200
                  max_target_positions: 64
            data:
              format: jsonl
              train: train.jsonl
              eval: dev.jsonl
              language: zh
              max_duration: {MaxClipSeconds}
            optimizer:
              name: adamw
              lr: 1.0e-3
            schedule:
              kind: linear
              warmup_steps: {Math.Max(1, options.Steps / 10)}
              max_steps: {options.Steps}
            batching:
              batch_size: 8
            training:
              max_grad_norm: 1.0
            evaluation:
              every_steps: {every}
              metric: cer
              generation_max_length: 60
            checkpointing:
              directory: checkpoints
              every_steps: {every}
              keep_last: 2
              keep_best: 1
            cluster:
              data_nodes: {options.DataNodes}
              gpu_nodes: {options.GpuNodes}
              credits_per_trainer: 4

            """);
    }
}
