using Cluster.Speech.Audio;
using Cluster.Speech.Data;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// The pairs an enhancement model is scored on, produced one at a time so that only a batch is in memory: recorded
/// noisy/clean pairs, or clean speech mixed with noise (<see cref="Mixed"/>) for jobs that mix on the fly.
/// </summary>
public sealed class EnhancementEvaluationSet
{
    // Keeps the evaluation mixtures apart from every training stream drawn from the same seed.
    private const ulong EvaluationDomain = 0x6576616c5f6d6978; // "eval_mix"

    private readonly Func<IEnumerable<EnhancementAudio>> pairs;

    private EnhancementEvaluationSet(string source, int count, int sampleRate, Func<IEnumerable<EnhancementAudio>> pairs)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        Source = source;
        Count = count;
        SampleRate = sampleRate;
        this.pairs = pairs;
    }

    public string Source { get; }

    /// <summary>The rate every pair's audio is at: the job's <c>data.sample_rate</c>, the one its model trains at.</summary>
    public int SampleRate { get; }

    public int Count { get; }

    /// <summary>The pairs, read (or mixed) anew on each enumeration, always the same.</summary>
    public IEnumerable<EnhancementAudio> Pairs() => pairs();

    /// <summary>Recorded pairs; a pair whose recordings differ in length or are empty is refused when it is read.</summary>
    public static EnhancementEvaluationSet FromManifest(EnhancementManifest manifest, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new EnhancementEvaluationSet(manifest.Source, manifest.Count, sampleRate, () => Read(manifest, sampleRate));
    }

    /// <summary>
    /// Every clean utterance mixed once, whole, with a noise recording, a window of it and an SNR in the mixer's range,
    /// all drawn from (<paramref name="seed"/>, the utterance's place in the manifest): ESPnet's fixed development
    /// mixtures, made in memory. Every evaluation, on any rank or process and in <c>cluster eval</c>, scores the same
    /// mixtures, so scores of different steps compare.
    /// </summary>
    /// <param name="noises">Noise recordings at <paramref name="sampleRate"/>.</param>
    /// <param name="sampleRate">The rate the clean speech is read at and mixed at.</param>
    public static EnhancementEvaluationSet Mixed(Manifest clean, IReadOnlyList<float[]> noises, NoiseMixer mixer, ulong seed, int sampleRate)
    {
        ArgumentNullException.ThrowIfNull(clean);
        ArgumentNullException.ThrowIfNull(noises);
        ArgumentNullException.ThrowIfNull(mixer);
        if (noises.Count == 0) throw new ArgumentException("mixing needs at least one noise recording", nameof(noises));
        string source = $"{clean.Source} mixed with noise at {mixer.MinSnrDb:0.#} to {mixer.MaxSnrDb:0.#} dB SNR";
        return new EnhancementEvaluationSet(source, clean.Count, sampleRate, () => Mix(clean, noises, mixer, seed, sampleRate));
    }

    private static IEnumerable<EnhancementAudio> Read(EnhancementManifest manifest, int sampleRate)
    {
        var read = new AudioReadOptions { TargetSampleRate = sampleRate, Mono = true };
        foreach (EnhancementPair pair in manifest.Pairs)
        {
            float[] noisy = AudioFile.Read(pair.NoisyPath, read).Samples;
            float[] clean = AudioFile.Read(pair.CleanPath, read).Samples;
            if (noisy.Length != clean.Length)
                throw new InvalidDataException($"pair '{pair.Id}': {pair.NoisyPath} has {noisy.Length} samples at {sampleRate} Hz but {pair.CleanPath} has {clean.Length}");
            if (clean.Length == 0) throw new InvalidDataException($"pair '{pair.Id}': {pair.CleanPath} has no samples");
            yield return new EnhancementAudio(pair.Id, noisy, clean);
        }
    }

    private static IEnumerable<EnhancementAudio> Mix(Manifest clean, IReadOnlyList<float[]> noises, NoiseMixer mixer, ulong seed, int sampleRate)
    {
        var read = new AudioReadOptions { TargetSampleRate = sampleRate, Mono = true };
        for (int index = 0; index < clean.Count; index++)
        {
            Utterance utterance = clean.Utterances[index];
            float[] speech = AudioFile.Read(utterance.AudioPath, read).Samples;
            var rng = SplitMix64.Derive(seed, EvaluationDomain, (ulong)index);
            MixedExample mixed;
            try
            {
                mixed = mixer.Mix(speech, noises[rng.NextInt(noises.Count)], rng);
            }
            catch (ArgumentException problem)
            {
                throw new InvalidDataException($"evaluation utterance '{utterance.Id}' ({utterance.AudioPath}) cannot be mixed: {problem.Message}", problem);
            }

            yield return new EnhancementAudio(utterance.Id, mixed.Mixture, mixed.Clean);
        }
    }
}
