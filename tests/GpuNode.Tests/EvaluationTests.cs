using Cluster.Shared.Jobs;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Torch;

namespace Cluster.GpuNode.Tests;

/// <summary>Evaluation on <c>data.eval</c> through the trainer core, and early stopping on its metric.</summary>
public sealed class EvaluationTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), $"gpunode-eval-{Guid.NewGuid():N}");

    public EvaluationTests() => Directory.CreateDirectory(directory);

    public void Dispose()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [Fact]
    public void Whisper_evaluation_reports_loss_cer_and_wer_and_patience_stops_after_evaluations_without_improvement()
    {
        var lines = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var samples = new float[1600];
            for (int t = 0; t < samples.Length; t++) samples[t] = (float)(0.3 * Math.Sin(2 * Math.PI * (200 + 100 * i) * t / 16000.0));
            AudioFile.WriteWav(Path.Combine(directory, $"u{i}.wav"), samples, 16000);
            lines.Add($$"""{"id": "u{{i}}", "audio": "u{{i}}.wav", "text": "你好{{i}}"}""");
        }
        string manifest = Path.Combine(directory, "eval.jsonl");
        File.WriteAllLines(manifest, lines);
        var job = TinyJob.Spec(directory) with
        {
            Model = new ModelSpec { Whisper = new WhisperModelSpec { Dims = TinyJob.Config with { NumMelBins = 80, VocabSize = 51865, MaxTargetPositions = 16 } } },
            Data = new DataSpec { Train = ["unused"], Eval = [manifest], Language = "zh" },
            Evaluation = new EvaluationSpec { EverySteps = 1, GenerationMaxLength = 3, Metric = EvaluationMetric.Cer, Patience = 1 },
        };
        using var core = TrainerCore.Create(job, "", Device.CPU);

        var first = core.Evaluate();
        Assert.True(double.IsFinite(first.Metrics["loss"]) && first.Metrics["loss"] > 0, $"loss {first.Metrics["loss"]}");
        // Corpus rates over the three references, 3 characters and 1 word each: CER is whole edits over 9 characters,
        // WER whole edits over 3 words (an untrained model's transcripts set how many; the denominators are the data's).
        Assert.Equal(Math.Round(first.Metrics["cer"] * 9), first.Metrics["cer"] * 9, 9);
        Assert.Equal(Math.Round(first.Metrics["wer"] * 3), first.Metrics["wer"] * 3, 9);
        Assert.True(first.Metrics["cer"] >= 0 && first.Metrics["wer"] >= 0);
        Assert.Equal(3, first.Samples.Count);
        Assert.StartsWith("你好0 => ", first.Samples[0]);
        Assert.False(core.Stopping.ShouldStop);

        // The same weights cannot beat themselves: one evaluation without improvement exhausts a patience of 1.
        var second = core.Evaluate();
        Assert.Equal(first.Metrics["cer"], second.Metrics["cer"]);
        Assert.True(core.Stopping.ShouldStop);
        Assert.Equal(2, core.History.Count);
    }

    [Fact]
    public void Enhancement_evaluation_reports_the_si_snr_improvement_of_the_first_source()
    {
        var random = new Random(4);
        var lines = new List<string>();
        for (int i = 0; i < 2; i++)
        {
            var clean = new float[1600];
            var noisy = new float[1600];
            for (int t = 0; t < clean.Length; t++)
            {
                clean[t] = (float)(0.3 * Math.Sin(2 * Math.PI * 300 * t / 16000.0));
                noisy[t] = clean[t] + (float)(0.1 * (random.NextDouble() * 2 - 1));
            }
            AudioFile.WriteWav(Path.Combine(directory, $"clean{i}.wav"), clean, 16000);
            AudioFile.WriteWav(Path.Combine(directory, $"noisy{i}.wav"), noisy, 16000);
            lines.Add($$"""{"id": "p{{i}}", "noisy": "noisy{{i}}.wav", "clean": "clean{{i}}.wav"}""");
        }
        string manifest = Path.Combine(directory, "pairs.jsonl");
        File.WriteAllLines(manifest, lines);
        var job = TinyJob.Spec(directory) with
        {
            Model = new ModelSpec
            {
                TFGridNetV2 = new TFGridNetV2ModelSpec { Config = new() { n_fft = 32, stride = 16, n_layers = 1, lstm_hidden_units = 8, emb_dim = 8 } },
            },
            Data = new DataSpec { Train = ["unused"], Eval = [manifest] },
            Evaluation = new EvaluationSpec { Metric = EvaluationMetric.SiSnri, Patience = 3 },
            Checkpointing = new CheckpointingSpec { Directory = directory, Mode = Shared.Checkpoints.MetricMode.Max },
        };
        using var core = TrainerCore.Create(job, "", Device.CPU);

        var result = core.Evaluate();
        Assert.True(double.IsFinite(result.Metrics["si_snri"]), $"si_snri {result.Metrics["si_snri"]}");
        Assert.True(double.IsFinite(result.Metrics["loss"]), $"loss {result.Metrics["loss"]}");
        Assert.Equal(new Shared.Checkpoints.MetricRecord(0, "si_snri", result.Metrics["si_snri"]), Assert.Single(core.History));
    }

    [Fact]
    public void A_job_that_mixes_noise_on_the_fly_is_evaluated_on_its_clean_speech_mixed_with_that_noise()
    {
        var random = new Random(5);
        var rows = new List<Utterance>();
        for (int i = 0; i < 3; i++)
        {
            var clean = new float[1600];
            for (int t = 0; t < clean.Length; t++) clean[t] = (float)(0.3 * Math.Sin(2 * Math.PI * (200 + 50 * i) * t / 16000.0));
            string path = Path.Combine(directory, $"speech{i}.wav");
            AudioFile.WriteWav(path, clean, 16000);
            rows.Add(new Utterance($"s{i}", path, "") { Duration = 0.1 });
        }
        var noise = new float[4000];
        for (int t = 0; t < noise.Length; t++) noise[t] = (float)(random.NextDouble() * 2 - 1);
        AudioFile.WriteWav(Path.Combine(directory, "noise.wav"), noise, 16000);
        string dev = Path.Combine(directory, "dev.jsonl");
        ManifestWriter.WriteJsonl(dev, rows);
        var job = TinyJob.Spec(directory) with
        {
            Model = new ModelSpec
            {
                TFGridNetV2 = new TFGridNetV2ModelSpec { Config = new() { n_fft = 32, stride = 16, n_layers = 1, lstm_hidden_units = 8, emb_dim = 8 } },
            },
            Data = new DataSpec
            {
                Train = ["unused"],
                Eval = [dev],
                Format = ManifestFormat.Jsonl,
                Enhancement = new EnhancementSpec { Noise = [Path.Combine(directory, "noise.wav")], MinSnrDb = 0, MaxSnrDb = 5 },
            },
            Evaluation = new EvaluationSpec { Metric = EvaluationMetric.SiSnri, Patience = 3 },
            Checkpointing = new CheckpointingSpec { Directory = directory, Mode = Shared.Checkpoints.MetricMode.Max },
        };
        using var core = TrainerCore.Create(job, "", Device.CPU);

        var first = core.Evaluate();
        Assert.True(double.IsFinite(first.Metrics["si_snri"]), $"si_snri {first.Metrics["si_snri"]}");
        // The same mixtures every time: an untouched model scores the same twice.
        Assert.Equal(first.Metrics["loss"], core.Evaluate().Metrics["loss"]);
        // The mixtures are at the job's SNRs, 0..5 dB: the noisy input's SI-SNR (-loss - si_snri) equals its SNR up to
        // the projection of the noise on the speech, which for these 1 s clips moves it by well under 1.5 dB.
        Assert.InRange(-first.Metrics["loss"] - first.Metrics["si_snri"], -1.5, 6.5);
    }
}
