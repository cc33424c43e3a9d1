using Cluster.Coordinator.Jobs;
using Cluster.Shared.Jobs;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Validation;

namespace Cluster.Coordinator.Tests.Jobs;

/// <summary><c>cluster train</c>'s planner on every form a TF-GridNetV2 job's training data takes: pair manifests as CSV,
/// TSV and JSONL, and clean speech mixed with noise; the form comes from the job, and a file of the other form is
/// refused with what the job expected.</summary>
public sealed class ManifestEpochPlannerTests : IDisposable
{
    private const int Pairs = 8;
    private readonly string directory = Path.Combine(Path.GetTempPath(), "planner-" + Guid.NewGuid().ToString("N"));

    public ManifestEpochPlannerTests()
    {
        Directory.CreateDirectory(Path.Combine(directory, "noisy"));
        Directory.CreateDirectory(Path.Combine(directory, "clean"));
        var random = new Random(11);
        for (int i = 0; i < Pairs; i++)
        {
            float[] clean = SpeechLike(random, 8000);
            float[] noisy = [.. clean.Select(x => x + (float)(0.05 * (random.NextDouble() - 0.5)))];
            AudioFile.WriteWav(Path.Combine(directory, "clean", $"p{i}.wav"), clean, 16000);
            AudioFile.WriteWav(Path.Combine(directory, "noisy", $"p{i}.wav"), noisy, 16000);
        }

        AudioFile.WriteWav(Path.Combine(directory, "noise.wav"), SpeechLike(random, 16000), 16000);
        File.WriteAllLines(Path.Combine(directory, "noise.jsonl"), [$$"""{"id": "n0", "audio": "noise.wav", "text": ""}"""]);
        File.WriteAllLines(Path.Combine(directory, "pairs.csv"),
            ["id,noisy,clean,duration", .. Enumerable.Range(0, Pairs).Select(i => $"p{i},noisy/p{i}.wav,clean/p{i}.wav,0.5")]);
        File.WriteAllLines(Path.Combine(directory, "pairs.tsv"),
            ["id\tnoisy_path\tclean_path", .. Enumerable.Range(0, Pairs).Select(i => $"p{i}\tnoisy/p{i}.wav\tclean/p{i}.wav")]);
        File.WriteAllLines(Path.Combine(directory, "pairs.jsonl"),
            Enumerable.Range(0, Pairs).Select(i => $$"""{"id": "p{{i}}", "noisy": "noisy/p{{i}}.wav", "clean": "clean/p{{i}}.wav"}"""));
        File.WriteAllLines(Path.Combine(directory, "clean.jsonl"),
            Enumerable.Range(0, Pairs).Select(i => $$"""{"id": "c{{i}}", "audio": "clean/p{{i}}.wav", "text": "", "duration": 0.5}"""));
    }

    [Theory]
    [InlineData("pairs.csv")]
    [InlineData("pairs.tsv")]
    [InlineData("pairs.jsonl")]
    public void Pair_manifests_are_planned_validated_and_cut_into_crops(string manifest)
    {
        JobSpec job = Job($"train: {manifest}");
        Assert.Equal(DataForm.EnhancementPairs, job.DataForm);

        var planner = ManifestEpochPlanner.Load(job, validate: true, _ => { }, Path.Combine(directory, "reports"));

        Assert.Equal(Pairs, planner.Items);
        // Every pair costs one crop, whatever the recording's length.
        Assert.Equal(Pairs * 0.25, planner.TotalSeconds, 6);
        PlannedEpoch epoch = planner.Plan(0);
        Assert.Equal(Pairs / 2, epoch.Batches.Count);
        Assert.Equal(Enumerable.Range(0, Pairs).Select(i => $"p{i}").Order(), epoch.Batches.SelectMany(b => b.ItemIds).Order());
        Assert.True(File.Exists(Path.Combine(directory, "reports", $"0-{manifest}.validation.json")));
    }

    [Fact]
    public void Clean_speech_with_noise_is_planned_from_the_speech_manifest_without_transcripts()
    {
        JobSpec job = Job("train: clean.jsonl", noise: "noise.jsonl");
        Assert.Equal(DataForm.CleanSpeechWithNoise, job.DataForm);

        var planner = ManifestEpochPlanner.Load(job, validate: true, _ => { });

        Assert.Equal(Pairs, planner.Items);
        Assert.Equal(Enumerable.Range(0, Pairs).Select(i => $"c{i}").Order(), planner.Plan(0).Batches.SelectMany(b => b.ItemIds).Order());
    }

    [Fact]
    public void A_job_without_an_enhancement_section_trains_on_pairs_cut_to_the_default_crop()
    {
        JobSpec job = Job("train: pairs.csv", enhancementSection: false);

        var planner = ManifestEpochPlanner.Load(job, validate: false, _ => { });

        Assert.Equal(DataForm.EnhancementPairs, job.DataForm);
        Assert.Equal(Pairs * EnhancementSpec.Defaults.CropSeconds, planner.TotalSeconds, 6);
    }

    [Fact]
    public void A_speech_manifest_given_to_a_pair_job_is_refused_with_what_the_job_expected()
    {
        var error = Assert.Throws<InvalidDataException>(() => ManifestEpochPlanner.Load(Job("train: clean.jsonl"), validate: false, _ => { }));

        Assert.Contains("clean.jsonl", error.Message);
        Assert.Contains("expected noisy/clean pairs", error.Message);
        Assert.Contains("set it to mix clean speech with noise", error.Message);
    }

    [Fact]
    public void Pairs_given_to_a_job_that_mixes_noise_are_refused_with_the_key_to_change()
    {
        var error = Assert.Throws<InvalidDataException>(() => ManifestEpochPlanner.Load(Job("train: pairs.jsonl", noise: "noise.jsonl"), validate: false, _ => { }));

        Assert.Contains("pairs.jsonl", error.Message);
        Assert.Contains("holds noisy/clean pairs, but data.enhancement.noise is set", error.Message);
    }

    [Fact]
    public void An_id_in_two_pair_manifests_is_refused_naming_both()
    {
        var error = Assert.Throws<InvalidDataException>(() => ManifestEpochPlanner.Load(Job("train: [pairs.csv, pairs.jsonl]"), validate: false, _ => { }));

        Assert.Contains("id 'p0'", error.Message);
        Assert.Contains("pairs.csv", error.Message);
        Assert.Contains("pairs.jsonl", error.Message);
    }

    [Fact]
    public void Misaligned_pairs_are_refused_with_the_message_of_data_validate()
    {
        // Every clean file 0.1 s late: the lengths still match, the speech no longer lines up.
        for (int i = 0; i < Pairs; i++)
        {
            string path = Path.Combine(directory, "clean", $"p{i}.wav");
            float[] samples = AudioFile.Read(path).Samples;
            AudioFile.WriteWav(path, [.. new float[1600], .. samples[..^1600]], 16000);
        }

        string expected = new DataValidator().Validate(EnhancementManifestReader.Read(Path.Combine(directory, "pairs.csv")))
            .RefusalReason(ValidationPolicy.Default)!;

        var error = Assert.Throws<InvalidDataException>(() => ManifestEpochPlanner.Load(Job("train: pairs.csv"), validate: true, _ => { }));

        Assert.Contains("misaligned or mis-scaled", expected);
        Assert.EndsWith(expected, error.Message);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private JobSpec Job(string train, string? noise = null, bool enhancementSection = true)
    {
        string enhancement = !enhancementSection ? ""
            : "  enhancement:\n    crop_seconds: 0.25\n" + (noise is null ? "" : $"    noise: {noise}\n");
        string yaml = "name: planner-test\nmodel:\n  tfgridnetv2:\n    preset: speech16k\n"
            + $"data:\n  {train}\n{enhancement}"
            + "optimizer:\n  lr: 1.0e-3\nschedule:\n  max_steps: 10\nbatching:\n  batch_size: 2\n";
        return JobSpecLoader.Parse(yaml, "test job", directory);
    }

    /// <summary>Noise shaped by a slow envelope: like speech, it stops matching itself a few ms off, as a tone would not.</summary>
    private static float[] SpeechLike(Random random, int samples)
    {
        var result = new float[samples];
        for (int n = 0; n < samples; n++)
            result[n] = (float)(0.3 * (0.6 + 0.4 * Math.Sin(2 * Math.PI * 3 * n / 16000.0)) * (random.NextDouble() - 0.5));
        return result;
    }
}
