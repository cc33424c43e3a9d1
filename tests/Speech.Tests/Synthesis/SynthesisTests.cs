using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Synthesis;

namespace Cluster.Speech.Tests.Synthesis;

public sealed class SynthesisTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("synth-tests-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private static CorpusSynthesisOptions Small(ulong seed = 7, int utterances = 10) =>
        new() { Languages = ["cmn", "en"], Utterances = utterances, Seed = seed, DevFraction = 0.2, TestFraction = 0.2 };

    [Fact]
    public void Corpus_is_a_common_voice_folder_the_readers_accept()
    {
        var corpus = CorpusSynthesizer.Write(Path.Combine(root, "cv"), Small());
        Assert.Equal(10, corpus.Count);
        var read = new[] { "train", "dev", "test" }.SelectMany(split => ManifestReader.Read(Path.Combine(corpus.Directory, split + ".tsv")).Utterances).ToList();
        Assert.Equal(10, read.Count);
        foreach (var utterance in read)
        {
            var info = AudioFile.Probe(utterance.AudioPath);
            Assert.Equal(16000, info.SampleRate);
            Assert.Equal(1, info.Channels);
            Assert.InRange(info.Duration, 0.5, 10);
            Assert.InRange(Math.Abs(utterance.Duration!.Value - info.Duration), 0, 0.001);
            Assert.Contains(utterance.Language, new[] { "zh", "en" });
            Assert.Contains(utterance.Text, utterance.Language == "zh" ? SentencePool.Mandarin : SentencePool.English);
            Assert.StartsWith("espeak-", utterance.Speaker);
        }
        Assert.Contains(read, u => u.Language == "zh");
        Assert.Contains(read, u => u.Language == "en");
        Assert.True(corpus.Splits["train"].Count > 0);
    }

    [Fact]
    public void Same_seed_gives_identical_files_and_other_seeds_differ()
    {
        var first = CorpusSynthesizer.Write(Path.Combine(root, "a"), Small(utterances: 4));
        var second = CorpusSynthesizer.Write(Path.Combine(root, "b"), Small(utterances: 4) with { Parallelism = 1 });
        var other = CorpusSynthesizer.Write(Path.Combine(root, "c"), Small(seed: 8, utterances: 4));
        foreach (var split in new[] { "train.tsv", "dev.tsv", "test.tsv" })
            Assert.Equal(File.ReadAllText(Path.Combine(first.Directory, split)), File.ReadAllText(Path.Combine(second.Directory, split)));
        var clips = Directory.GetFiles(Path.Combine(first.Directory, "clips")).Select(Path.GetFileName).Order().ToList();
        foreach (var clip in clips)
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Directory, "clips", clip!)), File.ReadAllBytes(Path.Combine(second.Directory, "clips", clip!)));
        var texts = (SynthesizedCorpus c) => string.Join("|", c.Splits.Values.SelectMany(s => s).OrderBy(u => u.Id).Select(u => u.Text + u.Speaker + u.Duration));
        Assert.NotEqual(texts(first), texts(other));
    }

    [Fact]
    public void Target_duration_stops_at_the_first_utterance_that_reaches_it()
    {
        var spoken = CorpusSynthesizer.Speak(Small(utterances: 1000) with { TargetHours = 12.0 / 3600 }).ToList();
        var total = spoken.Sum(u => u.Duration);
        Assert.True(total >= 12, $"total {total:F2} s");
        Assert.True(total - spoken[^1].Duration < 12, "one utterance too many");
        Assert.Equal(Enumerable.Range(0, spoken.Count), spoken.Select(u => u.Index));
    }

    [Fact]
    public void Enhancement_pairs_are_aligned_and_mixed_at_the_listed_snr()
    {
        var options = new EnhancementSynthesisOptions
        {
            Speech = Small(utterances: 8),
            SnrDb = [0, 5],
            Seed = 3,
            BabbleTalkers = 3,
        };
        var pairs = EnhancementCorpusSynthesizer.Write(Path.Combine(root, "enh"), options);
        Assert.Equal(8, pairs.Count);
        Assert.Equal(Enum.GetValues<NoiseKind>().Order(), pairs.Select(p => p.Noise).Distinct().Order());
        var manifest = EnhancementManifestReader.Read(Path.Combine(root, "enh", EnhancementCorpusSynthesizer.ManifestName));
        Assert.Equal(pairs.Select(p => p.Id), manifest.Pairs.Select(p => p.Id));
        foreach (var pair in pairs)
        {
            var noisy = AudioFile.Read(pair.NoisyPath).Samples;
            var clean = AudioFile.Read(pair.CleanPath).Samples;
            Assert.Equal(clean.Length, noisy.Length);
            double signal = 0, noise = 0;
            for (var i = 0; i < clean.Length; i++)
            {
                signal += (double)clean[i] * clean[i];
                noise += (double)(noisy[i] - clean[i]) * (noisy[i] - clean[i]);
            }
            // 16-bit files quantize both signals, so allow a few hundredths of a dB.
            Assert.Equal(pair.SnrDb, 10 * Math.Log10(signal / noise), 1);
            Assert.InRange(Math.Abs(10 * Math.Log10(signal / noise) - pair.SnrDb), 0, 0.05);
            Assert.True(noisy.Max(Math.Abs) <= 1.0f);
        }
    }

    [Fact]
    public void Noises_have_unit_level_and_their_own_character()
    {
        var rng = () => SplitMix64.Derive(11, 1);
        var white = NoiseGenerator.White(48000, rng());
        var pink = NoiseGenerator.Pink(48000, rng());
        var tones = NoiseGenerator.Tones(48000, 16000, rng());
        var babble = NoiseGenerator.Babble([NoiseGenerator.Tones(8000, 16000, rng()), NoiseGenerator.Pink(5000, rng())], 48000, rng());
        foreach (var noise in new[] { white, pink, tones, babble }) Assert.Equal(1.0, Rms(noise), 3);
        // Neighbouring samples: independent for white noise, strongly related for 1/f noise and tones.
        Assert.InRange(LagOneCorrelation(white), -0.05, 0.05);
        Assert.True(LagOneCorrelation(pink) > 0.5);
        Assert.True(LagOneCorrelation(tones) > 0.5);
        Assert.Equal(white, NoiseGenerator.White(48000, rng()));
        Assert.Throws<ArgumentException>(() => NoiseGenerator.Generate(NoiseKind.Babble, 10, 16000, rng()));
    }

    [Fact]
    public void Unknown_language_or_espeak_failure_is_a_clear_error()
    {
        Assert.Throws<ArgumentException>(() => SentencePool.For("xx"));
        // espeak-ng itself would fall back to English for this (it even matches "no", Norwegian).
        var noVoice = Assert.Throws<InvalidOperationException>(() =>
            Espeak.SpeakToWav("hello", new EspeakVoice("no-such-language", "m1", 150, 50), Path.Combine(root, "x.wav")));
        Assert.Contains("no voice for language 'no-such-language'", noVoice.Message);
        // ... and exits 0 when it cannot write the file.
        var unwritable = Assert.Throws<InvalidOperationException>(() =>
            Espeak.SpeakToWav("hello", new EspeakVoice("en", "m1", 150, 50), Path.Combine(root, "missing-folder", "x.wav")));
        Assert.Contains("espeak-ng failed", unwritable.Message);
        Assert.Contains("Can't write", unwritable.Message);
    }

    private static double Rms(float[] x) => Math.Sqrt(x.Sum(v => (double)v * v) / x.Length);

    private static double LagOneCorrelation(float[] x)
    {
        double sum = 0, energy = 0;
        for (var i = 1; i < x.Length; i++) sum += (double)x[i] * x[i - 1];
        foreach (var v in x) energy += (double)v * v;
        return sum / energy;
    }
}
