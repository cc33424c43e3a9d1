using Cluster.Speech.Audio;
using Cluster.Speech.Data;

namespace Cluster.Speech.Synthesis;

/// <summary>
/// Speaks sentences from <see cref="SentencePool"/> with espeak-ng in varied voices, speeds and pitches
/// and writes a Common-Voice-style folder (<c>clips/*.wav</c>, <c>train.tsv</c>, <c>dev.tsv</c>,
/// <c>test.tsv</c>) that the manifest readers and the trainers take like the real thing. Everything
/// about utterance i follows from (seed, i), so the same options give the same corpus on any machine
/// and with any parallelism.
/// </summary>
public static class CorpusSynthesizer
{
    public const int SampleRate = 16000;
    private const int Chunk = 32;

    /// <summary>Writes the corpus and returns its utterances by split.</summary>
    public static SynthesizedCorpus Write(string outputDirectory, CorpusSynthesisOptions options)
    {
        options.Validate();
        var root = Path.GetFullPath(outputDirectory);
        var clips = Path.Combine(root, CommonVoiceReader.ClipsFolder);
        Directory.CreateDirectory(clips);
        var splits = new Dictionary<string, List<Utterance>> { ["train"] = [], ["dev"] = [], ["test"] = [] };
        double totalSeconds = 0;
        foreach (var spoken in Speak(options))
        {
            var id = $"synth_{spoken.Language}_{spoken.Index:D6}.wav";
            AudioFile.WriteWav(Path.Combine(clips, id), spoken.Samples, SampleRate);
            var utterance = new Utterance(id, Path.Combine(clips, id), spoken.Text)
            {
                Duration = Math.Round(spoken.Duration, 3),
                Speaker = spoken.Voice.SpeakerId,
                Language = WhisperLanguage(spoken.Language),
            };
            splits[SplitOf(options, spoken.Index)].Add(utterance);
            totalSeconds += spoken.Duration;
        }
        foreach (var (split, utterances) in splits)
            ManifestWriter.WriteCommonVoiceTsv(Path.Combine(root, split + ".tsv"), utterances);
        return new SynthesizedCorpus(root, splits.ToDictionary(s => s.Key, s => (IReadOnlyList<Utterance>)s.Value), totalSeconds);
    }

    /// <summary>
    /// The utterances of a corpus in index order, spoken in parallel chunks; stops at the count or
    /// once the target duration is reached (cut at a fixed index, so the result does not depend on timing).
    /// </summary>
    public static IEnumerable<SynthesizedUtterance> Speak(CorpusSynthesisOptions options)
    {
        options.Validate();
        var scratch = Directory.CreateTempSubdirectory("espeak-");
        try
        {
            double seconds = 0;
            for (var start = 0; start < options.Utterances; start += Chunk)
            {
                var count = Math.Min(Chunk, options.Utterances - start);
                var chunk = new SynthesizedUtterance[count];
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = options.Parallelism },
                    k => chunk[k] = SpeakOne(options, start + k, scratch.FullName));
                foreach (var spoken in chunk)
                {
                    yield return spoken;
                    seconds += spoken.Duration;
                    if (options.TargetHours is { } hours && seconds >= hours * 3600) yield break;
                }
            }
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>Speaks utterance <paramref name="index"/>: language in turn, then sentence, voice, speed, pitch and level from (seed, index).</summary>
    public static SynthesizedUtterance SpeakOne(CorpusSynthesisOptions options, int index, string scratchDirectory)
    {
        var rng = SplitMix64.Derive(options.Seed, 0x5EEC, (ulong)index);
        var language = options.Languages[index % options.Languages.Count];
        var pool = SentencePool.For(language);
        var text = pool[rng.NextInt(pool.Count)];
        var voice = new EspeakVoice(language, EspeakVoice.Variants[rng.NextInt(EspeakVoice.Variants.Count)],
            options.MinWordsPerMinute + rng.NextInt(options.MaxWordsPerMinute - options.MinWordsPerMinute + 1),
            options.MinPitch + rng.NextInt(options.MaxPitch - options.MinPitch + 1));
        var level = 0.25 + 0.65 * rng.NextDouble();
        var wav = Path.Combine(scratchDirectory, $"u{index}.wav");
        try
        {
            Espeak.SpeakToWav(text, voice, wav);
            var samples = AudioFile.Read(wav, new AudioReadOptions { TargetSampleRate = SampleRate }).Samples;
            return new SynthesizedUtterance(index, language, text, voice, ScaleToPeak(samples, level));
        }
        finally
        {
            File.Delete(wav);
        }
    }

    /// <summary>Whisper's language code for an espeak-ng language.</summary>
    public static string WhisperLanguage(string espeakLanguage) => espeakLanguage switch
    {
        "cmn" => "zh",
        "en" => "en",
        _ => throw new ArgumentException($"no Whisper language for '{espeakLanguage}'", nameof(espeakLanguage)),
    };

    private static string SplitOf(CorpusSynthesisOptions options, int index)
    {
        var draw = SplitMix64.Derive(options.Seed, 0x5117, (ulong)index).NextDouble();
        return draw < options.TestFraction ? "test" : draw < options.TestFraction + options.DevFraction ? "dev" : "train";
    }

    /// <summary>Recordings arrive at many levels; so do these, with peaks spread over <c>[0.25, 0.9]</c>.</summary>
    private static float[] ScaleToPeak(float[] samples, double peak)
    {
        var max = 0f;
        foreach (var x in samples) max = Math.Max(max, Math.Abs(x));
        if (max <= 0) return samples;
        var scale = (float)(peak / max);
        for (var i = 0; i < samples.Length; i++) samples[i] *= scale;
        return samples;
    }
}
