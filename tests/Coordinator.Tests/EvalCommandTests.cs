using System.Globalization;
using System.Text.Json;
using Cluster.Shared.Checkpoints;
using Cluster.Shared.Cli;
using Cluster.Speech.Audio;
using Cluster.Speech.Models.GridNet;
using Cluster.Speech.Models.Whisper;
using static Cluster.Torch.torch;

namespace Cluster.Coordinator.Tests;

/// <summary><c>cluster eval</c> on a tiny Whisper and a tiny TF-GridNetV2, with checkpoints written as the trainers
/// write them and audio written to a temporary folder.</summary>
public sealed class EvalCommandTests : IDisposable
{
    private static readonly string[] Sentences = ["你好", "谢谢你", "今天天气很好"];

    // Released tiny's vocabulary (the bundled multilingual tokenizer fits it) and mel bins; a 1 s window.
    private static readonly WhisperConfig TinyWhisper = WhisperConfig.Preset("tiny") with
    {
        DModel = 32,
        EncoderLayers = 1,
        DecoderLayers = 1,
        EncoderAttentionHeads = 2,
        DecoderAttentionHeads = 2,
        EncoderFfnDim = 64,
        DecoderFfnDim = 64,
        MaxSourcePositions = 50,
        MaxTargetPositions = 16,
    };

    private readonly string directory = Path.Combine(Path.GetTempPath(), $"cluster-eval-{Guid.NewGuid():N}");

    public EvalCommandTests() => Directory.CreateDirectory(directory);

    private string JobPath => Path.Combine(directory, "job.yaml");

    private string Checkpoints => Path.Combine(directory, "checkpoints");

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void Whisper_eval_reports_every_utterance_and_prints_the_reports_WER_and_CER()
    {
        WriteWhisperJob();
        WriteWhisperCheckpoint(5);
        WriteWhisperCheckpoint(7);
        FlipAByte(Path.Combine(Checkpoints, "checkpoint-7", CheckpointLayout.ModelFile));

        var (code, output, error) = Run("eval", JobPath, "--max-new-tokens", "4", "--worst", "2");

        Assert.True(code == ExitCodes.Ok, output + error);
        // The newer checkpoint is damaged: it is passed over with the reason, and the older one is evaluated.
        Assert.Contains($"skipping checkpoint {Path.Combine(Checkpoints, "checkpoint-7")}: {CheckpointLayout.ModelFile} has SHA-256", error);
        Assert.Contains("corrupted", error);
        Assert.Contains("1 utterance(s) were longer than the model's window of 1 s", error);
        string report = Path.Combine(directory, "runs", "tiny", "eval-step-5");
        Assert.Contains($"report: {report}", output);
        string[][] rows = CsvRecords(File.ReadAllText(Path.Combine(report, "utterances.csv")));
        Assert.Equal("id", rows[0][0]);
        Assert.Equal(["u0", "u1", "u2"], rows.Skip(1).Select(row => row[0]));
        Assert.Equal(Sentences, rows.Skip(1).Select(row => row[1]));
        Assert.True(File.Exists(Path.Combine(report, "summary.md")));
        using (var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "summary.json"))))
        {
            JsonElement root = summary.RootElement;
            Assert.Equal(3, root.GetProperty("utterances").GetInt32());
            Assert.Contains($"WER {Percent(root.GetProperty("wer").GetDouble())} ", output);
            Assert.Contains($"CER {Percent(root.GetProperty("cer").GetDouble())} ", output);
            Assert.Equal(2, root.GetProperty("worst_samples").GetArrayLength());
        }

        // A second run replaces the report as a whole and leaves no temporary folder behind.
        var (again, againOutput, againError) = Run("eval", JobPath, "--checkpoint", Path.Combine(Checkpoints, "checkpoint-5"), "--max-new-tokens", "2");
        Assert.True(again == ExitCodes.Ok, againOutput + againError);
        Assert.Equal(["eval-step-5"], Directory.GetFileSystemEntries(Path.Combine(directory, "runs", "tiny")).Select(Path.GetFileName));
        Assert.Equal(4, CsvRecords(File.ReadAllText(Path.Combine(report, "utterances.csv"))).Length);
    }

    [Fact]
    public void A_corrupted_checkpoint_named_with_checkpoint_is_refused_with_the_file_and_the_reason()
    {
        WriteWhisperJob();
        string checkpoint = WriteWhisperCheckpoint(5);
        FlipAByte(Path.Combine(checkpoint, CheckpointLayout.ModelFile));

        var (code, output, error) = Run("eval", JobPath, "--checkpoint", checkpoint);

        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"checkpoint {checkpoint}: {CheckpointLayout.ModelFile} has SHA-256", error);
        Assert.Contains("corrupted", error);
        Assert.DoesNotContain("report:", output);
        Assert.False(Directory.Exists(Path.Combine(directory, "runs")));
    }

    [Fact]
    public void Eval_without_a_checkpoint_fails_and_says_where_it_looked()
    {
        WriteWhisperJob();

        var (code, _, error) = Run("eval", JobPath);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains($"no checkpoint in {Checkpoints}", error);

        string missing = Path.Combine(directory, "checkpoints", "checkpoint-9");
        var (namedCode, _, namedError) = Run("eval", JobPath, "--checkpoint", missing);
        Assert.Equal(ExitCodes.Failure, namedCode);
        Assert.Contains($"checkpoint {missing}: no such directory", namedError);
    }

    [Theory]
    [InlineData("--batch-size", "0")]
    [InlineData("--device", "gpu")]
    [InlineData("--beam-size", "33")]
    [InlineData("--max-new-tokens", "449")]
    [InlineData("--worst", "-1")]
    [InlineData("--batch-size", "many")]
    [InlineData("--manifest", "missing.jsonl")]
    public void A_bad_option_value_is_a_usage_error_naming_the_option_and_the_value(string option, string value)
    {
        WriteWhisperJob();

        var (code, _, error) = Run("eval", JobPath, option, value);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(option, error);
        Assert.Contains(value, error);
    }

    [Fact]
    public void Several_eval_manifests_are_scored_as_one_set_whose_ids_must_be_unique()
    {
        WriteWhisperJob();
        WriteWhisperCheckpoint(5);
        File.WriteAllLines(Path.Combine(directory, "eval2.jsonl"), [$$"""{"id": "v0", "audio": "u0.wav", "text": "早上好"}"""]);
        string job = File.ReadAllText(JobPath);
        File.WriteAllText(JobPath, job.Replace("eval: eval.jsonl", "eval: [eval.jsonl, eval2.jsonl]", StringComparison.Ordinal));

        var (code, output, error) = Run("eval", JobPath, "--max-new-tokens", "1");

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Contains("over 4 utterances", output);
        string csv = File.ReadAllText(Path.Combine(directory, "runs", "tiny", "eval-step-5", "utterances.csv"));
        Assert.Equal(["u0", "u1", "u2", "v0"], CsvRecords(csv).Skip(1).Select(row => row[0]));

        File.WriteAllText(JobPath, job.Replace("eval: eval.jsonl", "eval: [eval.jsonl, eval.jsonl]", StringComparison.Ordinal));
        var (twice, _, twiceError) = Run("eval", JobPath);
        Assert.Equal(ExitCodes.Failure, twice);
        Assert.Contains("id 'u0' appears more than once", twiceError);
    }

    [Fact]
    public void An_out_folder_holding_other_files_is_not_overwritten()
    {
        WriteWhisperJob();
        WriteWhisperCheckpoint(5);
        string folder = Path.Combine(directory, "precious");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "keep me");

        var (code, _, error) = Run("eval", JobPath, "--out", folder);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"--out {folder} holds files that are not an evaluation report", error);
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(folder).Select(Path.GetFileName));
    }

    [Fact]
    public void TF_GridNetV2_eval_reports_the_SI_SNR_of_every_pair_and_plots_the_best_and_worst()
    {
        var random = new Random(4);
        var lines = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var clean = new float[1600];
            var noisy = new float[1600];
            for (int t = 0; t < clean.Length; t++)
            {
                clean[t] = (float)(0.3 * Math.Sin(2 * Math.PI * (300 + 100 * i) * t / 16000.0));
                noisy[t] = clean[t] + (float)(0.1 * (random.NextDouble() * 2 - 1));
            }

            AudioFile.WriteWav(Path.Combine(directory, $"clean{i}.wav"), clean, 16000);
            AudioFile.WriteWav(Path.Combine(directory, $"noisy{i}.wav"), noisy, 16000);
            lines.Add($$"""{"id": "p{{i}}", "noisy": "noisy{{i}}.wav", "clean": "clean{{i}}.wav"}""");
        }

        File.WriteAllLines(Path.Combine(directory, "pairs.jsonl"), lines);
        File.WriteAllText(JobPath, """
            name: enhance
            model:
              tfgridnetv2:
                preset: speech16k
                config: {n_srcs: 1, n_fft: 32, stride: 16, n_layers: 1, lstm_hidden_units: 8, emb_dim: 8, attn_n_head: 2}
            data:
              train: pairs.jsonl
              eval: pairs.jsonl
            optimizer:
              lr: 0.001
            schedule:
              max_steps: 10
            batching:
              batch_size: 2
            evaluation:
              metric: si_snri
            checkpointing:
              directory: checkpoints
              every_steps: 5
              keep_best: 0
            """);
        var config = TFGridNetV2Config.Speech16k with { n_srcs = 1, n_fft = 32, stride = 16, n_layers = 1, lstm_hidden_units = 8, emb_dim = 8, attn_n_head = 2 };
        using (var scope = NewDisposeScope())
        {
            manual_seed(3);
            using var model = new TFGridNetV2(config);
            new CheckpointStore(Checkpoints).Write(5, [.. ModelCheckpointFiles.TFGridNetV2(model, config), .. TrainingFiles()]);
        }

        string report = Path.Combine(directory, "report");
        var (code, output, error) = Run("eval", JobPath, "--out", report, "--worst", "1");

        Assert.True(code == ExitCodes.Ok, output + error);
        Assert.Contains($"report: {report}", output);
        string[][] rows = CsvRecords(File.ReadAllText(Path.Combine(report, "utterances.csv")));
        Assert.Equal(["id", "si_snr_noisy", "si_snr_enhanced", "si_snri", "snr_enhanced"], rows[0]);
        Assert.Equal(["p0", "p1", "p2"], rows.Skip(1).Select(row => row[0]));
        Assert.Equal(2, Directory.GetFiles(Path.Combine(report, "plots"), "*.png").Length);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(report, "summary.json")));
        double mean = summary.RootElement.GetProperty("metrics").GetProperty("si_snri").GetProperty("mean").GetDouble();
        Assert.Contains($"SI-SNRi {mean.ToString("+0.00;-0.00", CultureInfo.InvariantCulture)} dB", output);

        var (beamCode, _, beamError) = Run("eval", JobPath, "--beam-size", "2");
        Assert.Equal(ExitCodes.Usage, beamCode);
        Assert.Contains("--beam-size and --max-new-tokens are for Whisper", beamError);
    }

    private static (int Code, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = CommandLineApp.Run(args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Three clips of tones, the last longer than the model's 1 s window, and a job that evaluates on them.</summary>
    private void WriteWhisperJob()
    {
        var lines = new List<string>();
        for (int i = 0; i < Sentences.Length; i++)
        {
            var samples = new float[i == 2 ? 19200 : 16000];
            for (int t = 0; t < samples.Length; t++) samples[t] = (float)(0.3 * Math.Sin(2 * Math.PI * (200 + 100 * i) * t / 16000.0));
            AudioFile.WriteWav(Path.Combine(directory, $"u{i}.wav"), samples, 16000);
            lines.Add($$"""{"id": "u{{i}}", "audio": "u{{i}}.wav", "text": "{{Sentences[i]}}"}""");
        }

        File.WriteAllLines(Path.Combine(directory, "eval.jsonl"), lines);
        File.WriteAllText(JobPath, """
            name: tiny
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
                  max_source_positions: 50
                  max_target_positions: 16
            data:
              format: jsonl
              train: eval.jsonl
              eval: eval.jsonl
              language: zh
            optimizer:
              lr: 0.001
            schedule:
              max_steps: 10
            batching:
              batch_size: 2
            evaluation:
              generation_max_length: 3
            checkpointing:
              directory: checkpoints
              every_steps: 5
              keep_best: 0
            """);
    }

    /// <summary>A checkpoint as the trainer writes it: the model's Hugging Face files next to the training state
    /// (which evaluation does not read).</summary>
    private string WriteWhisperCheckpoint(long step)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = new Whisper(TinyWhisper);
        return new CheckpointStore(Checkpoints).Write(step, [.. ModelCheckpointFiles.Whisper(model), .. TrainingFiles()]).Path;
    }

    private static CheckpointFile[] TrainingFiles() =>
    [
        CheckpointFile.Bytes(CheckpointLayout.OptimizerFile, [0]),
        CheckpointFile.Bytes(CheckpointLayout.TrainerStateFile, "{}"u8.ToArray()),
    ];

    private static void FlipAByte(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^1] ^= 0x40;
        File.WriteAllBytes(path, bytes);
    }

    private static string Percent(double rate) => (rate * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    /// <summary>The records of an RFC 4180 file (a generated transcript may hold commas, quotes or line breaks).</summary>
    private static string[][] CsvRecords(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') field.Append(text[++i]);
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',' || (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n'))
            {
                fields.Add(field.ToString());
                field.Clear();
                if (c == ',') continue;
                records.Add([.. fields]);
                fields.Clear();
                i++;
            }
            else
            {
                field.Append(c);
            }
        }

        return [.. records];
    }
}
