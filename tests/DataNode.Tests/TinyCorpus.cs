using System.Text;
using System.Text.Json;
using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;
using Cluster.Speech.Audio;

namespace Cluster.DataNode.Tests;

/// <summary>
/// A few generated clips with a JSONL manifest and a Whisper job spec (2 s windows) in a temp folder; one clip is not
/// audio at all. The plan: shard 0 holds b0 and b2, shard 1 holds b1 (with the broken clip) and b3.
/// </summary>
public sealed class TinyCorpus : IDisposable
{
    public const string BrokenId = "broken";
    public const int Frames = 200;

    private static readonly string[] Words = ["hello there", "good morning", "open the door", "turn on the light", "see you soon", "thank you", "how are you", "nice to meet you", "what time is it", "good night"];

    public TinyCorpus(string precision = "fp32")
    {
        Directory = Path.Combine(Path.GetTempPath(), $"datanode-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "wav"));
        var lines = new StringBuilder();
        for (int i = 0; i < Words.Length; i++)
        {
            string file = $"wav/u{i}.wav";
            AudioFile.WriteWav(Path.Combine(Directory, file), Tone(0.4 + 0.1 * i, 200 + 40 * i), 16000);
            lines.AppendLine(JsonSerializer.Serialize(new { id = $"u{i}", audio = file, text = Words[i] }));
        }
        File.WriteAllBytes(Path.Combine(Directory, "wav/broken.wav"), Encoding.ASCII.GetBytes("this is not a RIFF file at all"));
        lines.AppendLine(JsonSerializer.Serialize(new { id = BrokenId, audio = "wav/broken.wav", text = "never heard" }));
        File.WriteAllText(Path.Combine(Directory, "train.jsonl"), lines.ToString());
        Yaml = $"""
            name: tiny-datanode
            model:
              whisper:
                dims:
                  d_model: 64
                  encoder_layers: 1
                  decoder_layers: 1
                  encoder_attention_heads: 4
                  decoder_attention_heads: 4
                  max_source_positions: {Frames / 2}
            data:
              train: train.jsonl
              language: en
            optimizer:
              lr: 1.0e-3
            schedule:
              max_steps: 10
            batching:
              batch_size: 4
            training:
              precision: {precision}
            """;
        File.WriteAllText(Path.Combine(Directory, "job.yaml"), Yaml);
        Job = JobSpecLoader.Parse(Yaml, "tiny corpus", Directory);
    }

    public string Directory { get; }

    public string Yaml { get; }

    public JobSpec Job { get; }

    /// <summary>Batch id to its item ids, as the coordinator's plan would list them.</summary>
    public static IReadOnlyDictionary<string, string[]> Batches { get; } = new Dictionary<string, string[]>
    {
        ["e0-b0"] = ["u0", "u1", "u2"],
        ["e0-b1"] = ["u3", BrokenId, "u4", "u5"],
        ["e0-b2"] = ["u6", "u7"],
        ["e0-b3"] = ["u8", "u9"],
    };

    public DataNodeWelcome Welcome => new() { JobYaml = Yaml, JobDirectory = Directory };

    /// <summary>The corpus's two shards; <paramref name="epoch"/> other than 0 plans the same batches for a later epoch.</summary>
    public static AssignShards Assignment(long version = 1, int epoch = 0)
    {
        var assign = new AssignShards { Version = version };
        assign.Shards.Add(Shard(epoch, 0, "e0-b0", "e0-b2"));
        assign.Shards.Add(Shard(epoch, 1, "e0-b1", "e0-b3"));
        return assign;
    }

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    private static ShardBatches Shard(int epoch, int shard, params string[] batchIds)
    {
        var batches = new ShardBatches { Epoch = epoch, Shard = shard };
        foreach (string id in batchIds)
        {
            var planned = new PlannedBatchItems { BatchId = id };
            planned.ItemIds.AddRange(Batches[id]);
            batches.Batches.Add(planned);
        }
        return batches;
    }

    private static float[] Tone(double seconds, double hertz)
    {
        var samples = new float[(int)(seconds * 16000)];
        for (int i = 0; i < samples.Length; i++) samples[i] = (float)(0.3 * Math.Sin(2 * Math.PI * hertz * i / 16000));
        return samples;
    }
}
