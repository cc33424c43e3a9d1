using System.Globalization;
using System.Text;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;

namespace Cluster.Speech.Synthesis;

/// <summary>
/// Makes a speech-enhancement corpus from synthesized speech: each clean utterance is mixed with
/// white, pink, babble or tone noise at an SNR from the list, and written as <c>noisy/ID.wav</c> and
/// <c>clean/ID.wav</c> with a <c>pairs.csv</c> manifest (<c>id,noisy,clean,duration,snr_db,noise</c>).
/// Deterministic from the seed. Where a mixture would clip, noisy and clean are scaled together so
/// the SNR and the pair's alignment stay exact.
/// </summary>
public static class EnhancementCorpusSynthesizer
{
    public const string ManifestName = "pairs.csv";
    private const double MaxPeak = 0.99;

    public static IReadOnlyList<SynthesizedPair> Write(string outputDirectory, EnhancementSynthesisOptions options)
    {
        options.Validate();
        var root = Path.GetFullPath(outputDirectory);
        var noisyFolder = Path.Combine(root, "noisy");
        var cleanFolder = Path.Combine(root, "clean");
        Directory.CreateDirectory(noisyFolder);
        Directory.CreateDirectory(cleanFolder);

        // Babble talkers come from index ranges of their own, so they never coincide with a clean utterance.
        var talkerOptions = options.Speech with { Seed = options.Seed ^ 0xBAB1E, Utterances = options.BabbleTalkers, TargetHours = null };
        var talkers = CorpusSynthesizer.Speak(talkerOptions).Select(u => u.Samples).ToList();

        var pairs = new List<SynthesizedPair>();
        foreach (var spoken in CorpusSynthesizer.Speak(options.Speech with { Seed = options.Seed }))
        {
            var rng = SplitMix64.Derive(options.Seed, 0x0015E, (ulong)spoken.Index);
            var kind = options.Noises[spoken.Index % options.Noises.Count];
            var snr = options.SnrDb[rng.NextInt(options.SnrDb.Count)];
            var noise = NoiseGenerator.Generate(kind, spoken.Samples.Length, CorpusSynthesizer.SampleRate, rng, talkers);
            var mixed = new NoiseMixer(snr, snr).Mix(spoken.Samples, noise, rng);
            var (noisy, clean) = AvoidClipping(mixed.Mixture, mixed.Clean);
            var id = $"pair_{spoken.Index:D6}";
            var noisyPath = Path.Combine(noisyFolder, id + ".wav");
            var cleanPath = Path.Combine(cleanFolder, id + ".wav");
            AudioFile.WriteWav(noisyPath, noisy, CorpusSynthesizer.SampleRate);
            AudioFile.WriteWav(cleanPath, clean, CorpusSynthesizer.SampleRate);
            pairs.Add(new SynthesizedPair(id, noisyPath, cleanPath, Math.Round(spoken.Duration, 3), kind, snr));
        }
        WriteManifest(Path.Combine(root, ManifestName), root, pairs);
        return pairs;
    }

    private static (float[] noisy, float[] clean) AvoidClipping(float[] noisy, float[] clean)
    {
        var peak = 0f;
        foreach (var x in noisy) peak = Math.Max(peak, Math.Abs(x));
        foreach (var x in clean) peak = Math.Max(peak, Math.Abs(x));
        if (peak <= MaxPeak) return (noisy, clean);
        var scale = (float)(MaxPeak / peak);
        return (noisy.Select(x => x * scale).ToArray(), clean.Select(x => x * scale).ToArray());
    }

    private static void WriteManifest(string path, string root, IReadOnlyList<SynthesizedPair> pairs)
    {
        var text = new StringBuilder("id,noisy,clean,duration,snr_db,noise\n");
        foreach (var pair in pairs)
            text.Append(CultureInfo.InvariantCulture, $"{pair.Id},{Path.GetRelativePath(root, pair.NoisyPath)},{Path.GetRelativePath(root, pair.CleanPath)},{pair.Duration},{pair.SnrDb},{pair.Noise.ToString().ToLowerInvariant()}\n");
        AtomicFile.Write(path, stream => stream.Write(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
