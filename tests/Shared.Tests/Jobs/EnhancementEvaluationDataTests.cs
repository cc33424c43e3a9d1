using Cluster.Shared.Jobs;
using Cluster.Speech.Audio;

namespace Cluster.Shared.Tests.Jobs;

/// <summary>An enhancement job is scored at the rate it trains at (<c>data.sample_rate</c>), in both of its data
/// forms: an 8 kHz job (ESPnet's wsj0-2mix preset) reads its evaluation audio at 8 kHz.</summary>
public sealed class EnhancementEvaluationDataTests : IDisposable
{
    private readonly string directory = Path.Combine(Path.GetTempPath(), "cluster-enh-eval-" + Guid.NewGuid().ToString("N"));

    public EnhancementEvaluationDataTests()
    {
        Directory.CreateDirectory(directory);
        // One second each, recorded at 16 kHz: read at the job's rate they have that many samples.
        for (int i = 0; i < 2; i++)
        {
            var tone = new float[16000];
            for (int n = 0; n < tone.Length; n++) tone[n] = (float)(0.3 * Math.Sin(2 * Math.PI * (300 + 100 * i) * n / 16000));
            AudioFile.WriteWav(Path.Combine(directory, $"clean{i}.wav"), tone, 16000);
            var noisy = tone.Select((s, n) => s + (float)(0.05 * Math.Sin(n * 0.37))).ToArray();
            AudioFile.WriteWav(Path.Combine(directory, $"noisy{i}.wav"), noisy, 16000);
        }

        var noise = new float[16000];
        for (int n = 0; n < noise.Length; n++) noise[n] = (float)(0.1 * Math.Sin(n * 1.3) * Math.Cos(n * 0.071));
        AudioFile.WriteWav(Path.Combine(directory, "noise.wav"), noise, 16000);
        File.WriteAllText(Path.Combine(directory, "pairs.csv"), "id,noisy,clean\np0,noisy0.wav,clean0.wav\np1,noisy1.wav,clean1.wav\n");
        File.WriteAllText(Path.Combine(directory, "speech.jsonl"),
            "{\"id\": \"s0\", \"audio\": \"clean0.wav\", \"text\": \"\"}\n{\"id\": \"s1\", \"audio\": \"clean1.wav\", \"text\": \"\"}\n");
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private JobSpec Job(int sampleRate, string train, string enhancement) => JobSpecLoader.Parse($"""
        name: rate
        model:
          tfgridnetv2:
            preset: {(sampleRate == 8000 ? "espnet8k" : "speech16k")}
        data:
          train: {train}
          eval: {train}
          sample_rate: {sampleRate}
          enhancement:
            crop_seconds: 0.5
        {enhancement}
        optimizer:
          lr: 1.0e-3
        schedule:
          max_steps: 10
        batching:
          batch_size: 2
        """, "rate test", directory);

    [Theory]
    [InlineData(8000)]
    [InlineData(16000)]
    public void Pairs_are_read_at_the_jobs_sample_rate(int sampleRate)
    {
        var set = EnhancementEvaluationData.FromJob(Job(sampleRate, "pairs.csv", ""));

        Assert.Equal(sampleRate, set.SampleRate);
        Assert.All(set.Pairs(), pair =>
        {
            Assert.Equal(sampleRate, pair.Clean.Length);
            Assert.Equal(sampleRate, pair.Noisy.Length);
        });
    }

    [Fact]
    public void Speech_mixed_with_noise_is_mixed_at_the_jobs_sample_rate()
    {
        var set = EnhancementEvaluationData.FromJob(Job(8000, "speech.jsonl", "    noise: noise.wav\n    snr_db: [0, 5]"));

        Assert.Equal(8000, set.SampleRate);
        Assert.Equal(2, set.Pairs().Count());
        Assert.All(set.Pairs(), pair => Assert.Equal(8000, pair.Clean.Length));
    }
}
