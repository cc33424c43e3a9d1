using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;
using Cluster.Speech.Tests.Data;

namespace Cluster.Speech.Tests.Evaluation;

public sealed class EnhancementEvaluationSetTests : IDisposable
{
    private const int Rate = 16000;
    private readonly TempDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    private Manifest CleanSpeech(int count, bool silentLast = false)
    {
        var rows = new List<Utterance>();
        for (int k = 0; k < count; k++)
        {
            float[] clean = new float[Rate / 2 + 800 * k];
            if (!(silentLast && k == count - 1))
            {
                for (int i = 0; i < clean.Length; i++) clean[i] = (float)(0.3 * Math.Sin(2 * Math.PI * (150 + 40 * k) * i / Rate));
            }
            string path = _folder.Combine($"speech{k}.wav");
            AudioFile.WriteWav(path, clean, Rate);
            rows.Add(new Utterance($"s{k}", path, ""));
        }
        return new Manifest("dev", rows);
    }

    private static float[][] Noises()
    {
        var random = new Random(11);
        return [.. Enumerable.Range(0, 2).Select(_ => Enumerable.Range(0, Rate / 3).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray())];
    }

    [Fact]
    public void Mixed_speech_is_the_same_every_time_at_an_snr_in_the_range_and_keeps_the_clean_side()
    {
        Manifest clean = CleanSpeech(5);
        var set = EnhancementEvaluationSet.Mixed(clean, Noises(), new NoiseMixer(-5, 10), seed: 7, sampleRate: Rate);
        Assert.Equal(5, set.Count);
        Assert.Contains("dev mixed with noise at -5 to 10 dB", set.Source);
        var first = set.Pairs().ToList();
        var again = set.Pairs().ToList();
        Assert.Equal(clean.Utterances.Select(u => u.Id), first.Select(p => p.Id));
        var snrs = new List<double>();
        for (int k = 0; k < first.Count; k++)
        {
            Assert.Equal(first[k].Noisy, again[k].Noisy);
            float[] speech = AudioFile.Read(clean.Utterances[k].AudioPath, new AudioReadOptions { TargetSampleRate = Rate, Mono = true }).Samples;
            Assert.Equal(speech, first[k].Clean);
            Assert.Equal(speech.Length, first[k].Noisy.Length);
            double signal = speech.Sum(x => (double)x * x);
            double noise = first[k].Noisy.Zip(speech, (n, c) => (double)(n - c) * (n - c)).Sum();
            double snr = 10 * Math.Log10(signal / noise);
            Assert.InRange(snr, -5.001, 10.001);
            snrs.Add(snr);
        }
        // Drawn per utterance, not one SNR for all.
        Assert.True(snrs.Max() - snrs.Min() > 1, string.Join(", ", snrs));
        // Another seed, other mixtures.
        var other = EnhancementEvaluationSet.Mixed(clean, Noises(), new NoiseMixer(-5, 10), seed: 8, sampleRate: Rate).Pairs().First();
        Assert.NotEqual(first[0].Noisy, other.Noisy);
    }

    [Fact]
    public void A_silent_utterance_cannot_be_mixed_and_is_named()
    {
        var set = EnhancementEvaluationSet.Mixed(CleanSpeech(2, silentLast: true), Noises(), new NoiseMixer(0, 5), seed: 1, sampleRate: Rate);
        var error = Assert.Throws<InvalidDataException>(() => set.Pairs().ToList());
        Assert.Contains("'s1'", error.Message);
        Assert.Contains("silent", error.Message);
    }

    [Fact]
    public void Mixing_without_noise_is_refused()
    {
        Assert.Throws<ArgumentException>(() => EnhancementEvaluationSet.Mixed(CleanSpeech(1), [], new NoiseMixer(0, 5), seed: 1, sampleRate: Rate));
    }
}
