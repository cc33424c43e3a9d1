using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;

namespace Cluster.Integration.Tests;

/// <summary>A tiny Whisper job on generated clips in a temporary folder, and a <c>cluster train</c> process running it.</summary>
internal sealed class TinyJob : IDisposable
{
    private static readonly string[] Sentences = ["你好", "谢谢你", "今天天气很好", "我们走吧", "早上好", "晚安"];

    private readonly int checkpointEvery;
    private readonly int keepLast;
    private readonly int dataNodes;
    private readonly double? stopTimeout;

    public TinyJob(int utterances, int checkpointEvery, int? maxSteps = null, int keepLast = 2, int dataNodes = 2, double? stopTimeout = null)
    {
        this.checkpointEvery = checkpointEvery;
        this.keepLast = keepLast;
        this.dataNodes = dataNodes;
        this.stopTimeout = stopTimeout;
        Directory = Path.Combine(Path.GetTempPath(), "cluster-it-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "clips"));
        var random = new Random(7);
        var rows = new List<Utterance>();
        for (int i = 0; i < utterances; i++)
        {
            // A tone with a little noise: readable, not silent, not clipped, 1 s (100 frames, the model's context).
            float[] samples = new float[16000];
            double frequency = 200 + 40 * (i % 10);
            for (int n = 0; n < samples.Length; n++)
                samples[n] = (float)(0.3 * Math.Sin(2 * Math.PI * frequency * n / 16000) + 0.01 * (random.NextDouble() - 0.5));
            string path = Path.Combine(Directory, "clips", $"u{i:D4}.wav");
            AudioFile.WriteWav(path, samples, 16000);
            rows.Add(new Utterance($"u{i:D4}", path, Sentences[i % Sentences.Length]) { Duration = 1.0, Language = "zh" });
        }

        ManifestWriter.WriteJsonl(Path.Combine(Directory, "train.jsonl"), rows);
        UtteranceIds = [.. rows.Select(r => r.Id)];
        JobPath = Path.Combine(Directory, "job.yaml");
        WriteSpec(maxSteps);
    }

    public string Directory { get; }

    /// <summary>The ids of the training manifest, as this fixture wrote it: every one is trained once per epoch.</summary>
    public IReadOnlyList<string> UtteranceIds { get; }

    public string JobPath { get; }

    public string RunDirectory => Path.Combine(Directory, "runs", "tiny");

    public string CheckpointDirectory => Path.Combine(Directory, "checkpoints");

    public StringBuilder Output { get; } = new();

    public Process StartTrain(params string[] extra) => StartTrain(new Dictionary<string, string>(), extra);

    /// <summary>Starts <c>cluster train</c> with <paramref name="environment"/> added to this process's (the nodes inherit it).</summary>
    public Process StartTrain(IReadOnlyDictionary<string, string> environment, params string[] extra) =>
        ClusterCli.Start(Directory, Output, environment, ["train", JobPath, .. extra]);

    public string Transcript() => ClusterCli.Text(Output);

    public JsonElement FinalStatus()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RunDirectory, "status.json")));
        return document.RootElement.Clone();
    }

    /// <summary>Writes the job spec: one epoch, or <paramref name="maxSteps"/> steps of it (a resumed job raises it).</summary>
    public void WriteSpec(int? maxSteps)
    {
        File.WriteAllText(JobPath, $"""
            name: tiny
            seed: 3
            model:
              whisper:
                dims:
                  d_model: 64
                  encoder_layers: 1
                  decoder_layers: 1
                  encoder_attention_heads: 2
                  decoder_attention_heads: 2
                  max_source_positions: 50
                  max_target_positions: 32
            data:
              format: jsonl
              train: train.jsonl
              language: zh
              max_duration: 1
            optimizer:
              name: adamw
              lr: 1.0e-3
            schedule:
              kind: constant
              {(maxSteps is int steps ? $"max_steps: {steps}" : "epochs: 1")}
            batching:
              batch_size: 2
            checkpointing:
              directory: checkpoints
              every_steps: {checkpointEvery}
              keep_last: {keepLast}
              keep_best: 0
              {(stopTimeout is double seconds ? $"stop_timeout: {seconds}" : "")}
            cluster:
              data_nodes: {dataNodes}
              gpu_nodes: 2
              credits_per_trainer: 2
              data_node_workers: 1

            """);
    }

    /// <summary>The commits that stand, in step order. A new group (generation) starts from a checkpoint: its first step
    /// voids whatever earlier groups (of this run, or of the run it resumed) committed from that step on. A step whose
    /// commits never arrived but whose checkpoint the group resumed from stands as the coordinator's adoption line
    /// (rank -1, no loss).</summary>
    public IReadOnlyList<RecordedCommit> StandingCommits()
    {
        var standing = new Dictionary<(long Step, int Rank), RecordedCommit>();
        long? generation = null;
        foreach (string line in File.ReadAllLines(Path.Combine(RunDirectory, "commits.jsonl")))
        {
            using var document = JsonDocument.Parse(line);
            JsonElement root = document.RootElement;
            // Commits that reached the coordinator after their group was torn down never counted.
            if (!root.GetProperty("current").GetBoolean()) continue;
            var commit = new RecordedCommit(
                root.GetProperty("generation").GetInt64(), root.GetProperty("rank").GetInt32(), root.GetProperty("step").GetInt64(),
                [.. root.GetProperty("batch_ids").EnumerateArray().Select(e => e.GetString()!)],
                root.TryGetProperty("loss", out JsonElement loss) ? loss.GetDouble() : double.NaN);
            if (commit.Generation != generation)
            {
                generation = commit.Generation;
                foreach (var key in standing.Keys.Where(k => k.Step >= commit.Step).ToList()) standing.Remove(key);
            }

            standing[(commit.Step, commit.Rank)] = commit;
        }

        return [.. standing.Values.OrderBy(c => c.Step).ThenBy(c => c.Rank)];
    }

    public string ApiUrl()
    {
        string file = Path.Combine(RunDirectory, "api.url");
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (File.Exists(file)) return File.ReadAllText(file).Trim();
            Thread.Sleep(200);
        }

        throw new TimeoutException("cluster train wrote no api.url:\n" + Transcript());
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A child that was killed may still hold a log open for a moment; the temp folder is cleaned later.
        }
    }
}
