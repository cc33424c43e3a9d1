using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Tests.Audio;
using Cluster.Speech.Tests.Text;
using Cluster.Speech.Text;
using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

/// <summary>
/// A small ASR corpus (JSON Lines manifest) and enhancement set in a temporary folder: clean, speech-like items with
/// one planted defect of each kind among them, and the issues validation must report, in manifest order. Built once
/// per test class, because writing and validating it is the slow part.
/// </summary>
public sealed class PlantedCorpus : IDisposable
{
    public const int Rate = 16000;

    // The pairs are 5 s, longer than the validator's 4 s read chunk, so pairs are streamed in more than one step.
    private const double PairSeconds = 5;

    private static readonly string[] Sentences =
    [
        "今天天氣很好", "the cat sat on the mat", "我們明天去台北", "please call stella", "ask her to bring these things",
        "這是一個測試", "six spoons of fresh snow peas", "他說得很清楚", "five thick slabs of blue cheese", "晚上一起吃飯吧",
    ];

    private readonly List<(string Id, IssueKind Kind, string Path)> _expectedAsr = [];
    private readonly List<(string Id, IssueKind Kind, string Path)> _expectedEnhancement = [];
    private readonly Lazy<ValidationReport> _asrReport;
    private readonly Lazy<ValidationReport> _asrReportWithoutTokenizer;
    private readonly Lazy<ValidationReport> _enhancementReport;

    public PlantedCorpus()
    {
        Directory.CreateDirectory(Path.Combine(Root, "clips"));
        Directory.CreateDirectory(Path.Combine(Root, "noisy"));
        Directory.CreateDirectory(Path.Combine(Root, "clean"));
        ManifestPath = Path.Combine(Root, "train.jsonl");
        ManifestWriter.WriteJsonl(ManifestPath, BuildAsr());
        Manifest = ManifestReader.Read(ManifestPath);
        Enhancement = new EnhancementManifest("planted enhancement set", BuildEnhancement());

        _asrReport = new(() => new DataValidator(tokenizer: TokenizerFixtures.Multilingual).Validate(Manifest));
        _asrReportWithoutTokenizer = new(() => new DataValidator().Validate(Manifest));
        _enhancementReport = new(() => new DataValidator().Validate(Enhancement));
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("validation-").FullName;

    public string ManifestPath { get; }

    public Manifest Manifest { get; }

    public EnhancementManifest Enhancement { get; }

    /// <summary>Every issue the ASR manifest must produce (with a tokenizer), in manifest order.</summary>
    public IReadOnlyList<(string Id, IssueKind Kind, string Path)> ExpectedAsr => _expectedAsr;

    public IReadOnlyList<(string Id, IssueKind Kind, string Path)> ExpectedEnhancement => _expectedEnhancement;

    /// <summary>Seconds of readable audio as the validator decodes it (16 kHz), per item id.</summary>
    public Dictionary<string, double> ReadableSeconds { get; } = [];

    /// <summary>The transcript planted as too long; at least 449 label tokens.</summary>
    public string LongTranscript { get; } = string.Join(" ", Enumerable.Repeat("the quick brown fox jumps over the lazy dog", 60));

    public ValidationReport AsrReport => _asrReport.Value;

    public ValidationReport AsrReportWithoutTokenizer => _asrReportWithoutTokenizer.Value;

    public ValidationReport EnhancementReport => _enhancementReport.Value;

    public void Dispose() => Directory.Delete(Root, recursive: true);

    private List<Utterance> BuildAsr()
    {
        var utterances = new List<Utterance>();
        int clean = 0;

        // A clean 16 kHz mono clip of 1.5–3 s with a short transcript.
        void Clean()
        {
            clean++;
            string id = $"clean{clean:00}";
            double seconds = 1.5 + clean % 4 * 0.5;
            Add(id, WriteWav(id, SpeechLike.Generate(seconds, Rate, seed: clean)), Sentences[clean % Sentences.Length], seconds);
        }

        void Add(string id, string path, string text, double? seconds, IssueKind? planted = null, double? offset = null, double? duration = null)
        {
            utterances.Add(new Utterance(id, path, text) { Offset = offset, Duration = duration });
            if (seconds is double s) ReadableSeconds[id] = s;
            if (planted is IssueKind kind) _expectedAsr.Add((id, kind, path));
        }

        for (int i = 0; i < 3; i++) Clean();
        Add("missing", Clip("missing.wav"), "this file was never written", null, IssueKind.Unreadable);
        Clean();

        string garbage = Clip("garbage.wav");
        var bytes = new byte[20000];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(garbage, bytes);
        Add("garbage", garbage, "random bytes named like a wav file", null, IssueKind.Unreadable);
        Clean();

        string truncated = WriteWav("truncated", SpeechLike.Generate(2, Rate, seed: 101));
        using (var stream = new FileStream(truncated, FileMode.Open)) stream.SetLength(44 + 2 * 12000);
        Add("truncated", truncated, "a download cut short", null, IssueKind.Unreadable);
        Clean();

        string nan = WriteWav("nan", SpeechLike.Generate(2, Rate, seed: 102), format: WavSampleFormat.Float32);
        PlantNonFinite(nan, [.. Enumerable.Range(8000, 10).Select(i => (i, float.NaN)), (9000, float.PositiveInfinity)]);
        Add("nan", nan, "a broken resampler left NaN behind", 2, IssueKind.NonFinite);
        Clean();
        Clean();

        var whisper = new Random(103);
        float[] silent = [.. Enumerable.Range(0, 2 * Rate).Select(_ => (float)(5e-5 * (whisper.NextDouble() * 2 - 1)))];
        Add("silent", WriteWav("silent", silent, format: WavSampleFormat.Float32), "the microphone was muted", 2, IssueKind.Silent);
        Clean();

        // Six times too loud, hard-limited at full scale: far more than 1% of the samples sit at ±1.
        float[] clipped = [.. SpeechLike.Generate(2, Rate, seed: 104).Select(x => Math.Clamp(6 * x, -1f, 1f))];
        Add("clipped", WriteWav("clipped", clipped), "someone shouted into the microphone", 2, IssueKind.Clipped);
        Clean();
        Clean();

        string longClip = WriteWav("long31", SpeechLike.Generate(31, Rate, seed: 105));
        Add("long31", longClip, "a whole paragraph read in one go", 31, IssueKind.TooLong);
        // An 8 s segment of that 31 s file is fine: the segment, not the file, is what Whisper sees.
        Add("segment", longClip, "just one sentence of it", 8, offset: 2, duration: 8);
        Clean();

        Add("empty-text", WriteWav("empty-text", SpeechLike.Generate(2, Rate, seed: 106)), "   ", 2, IssueKind.EmptyTranscript);
        Clean();

        if (TokenizerFixtures.Multilingual.LabelSequenceLength(LongTranscript) <= WhisperTokenizer.DefaultMaxLength)
            throw new InvalidOperationException("the planted long transcript is not over the token limit");
        Add("long-text", WriteWav("long-text", SpeechLike.Generate(2, Rate, seed: 107)), LongTranscript, 2, IssueKind.TranscriptTooLong);
        Clean();

        // Not a defect: 44.1 kHz stereo is resampled and downmixed; it only shows in the summary.
        float[] left = SpeechLike.Generate(3, 44100, seed: 108);
        float[] right = SpeechLike.Add(left, SpeechLike.Generate(3, 44100, seed: 109), 0.7, 0.2);
        Add("stereo44k", WriteWav("stereo44k", Signal.Interleave(left, right), sampleRate: 44100, channels: 2), "recorded on a laptop", 3);

        while (clean < 18) Clean();
        return utterances;
    }

    private List<EnhancementPair> BuildEnhancement()
    {
        var pairs = new List<EnhancementPair>();

        EnhancementPair Pair(string id, float[] noisy, float[]? clean)
        {
            string noisyPath = WriteWav(id, noisy, folder: "noisy");
            string cleanPath = clean is null ? Path.Combine(Root, "clean", id + ".wav") : WriteWav(id, clean, folder: "clean");
            var pair = new EnhancementPair(id, noisyPath, cleanPath);
            pairs.Add(pair);
            return pair;
        }

        // Clean speech peaking at 0.4 and noise 5 dB below it: the mixture stays well inside full scale.
        (float[] Clean, float[] Noisy) Mixture(int seed)
        {
            float[] speech = SpeechLike.Generate(PairSeconds, Rate, seed, peak: 0.4);
            return (speech, SpeechLike.Add(speech, SpeechLike.NoiseAt(speech, 5, seed + 1000)));
        }

        for (int i = 1; i <= 3; i++)
        {
            (float[] clean, float[] noisy) = Mixture(200 + i);
            Pair($"good{i}", noisy, clean);
        }

        // The clean file lost its last 1.25 s (and is shorter than one read chunk); the rest lines up.
        (float[] cutClean, float[] cutNoisy) = Mixture(210);
        EnhancementPair cut = Pair("length-mismatch", cutNoisy, cutClean[..60000]);
        _expectedEnhancement.Add((cut.Id, IssueKind.LengthMismatch, cut.NoisyPath));

        for (int i = 4; i <= 5; i++)
        {
            (float[] clean, float[] noisy) = Mixture(200 + i);
            Pair($"good{i}", noisy, clean);
        }

        // The clean recording starts 0.5 s late relative to the noisy one; same length.
        (float[] lateClean, float[] lateNoisy) = Mixture(211);
        float[] shifted = [.. new float[Rate / 2], .. lateClean[..^(Rate / 2)]];
        EnhancementPair misaligned = Pair("misaligned", lateNoisy, shifted);
        _expectedEnhancement.Add((misaligned.Id, IssueKind.ImplausibleSiSnr, misaligned.NoisyPath));

        // The story of DESIGN.md §1: the speech a hundredth of its level under loud unrelated noise, about −36 dB.
        float[] speech = SpeechLike.Generate(PairSeconds, Rate, seed: 212, peak: 0.4);
        // Noise 4 dB below the speech, then the speech scaled by 0.01 (−40 dB): −36 dB between them.
        float[] unrelated = SpeechLike.NoiseAt(speech, 4, seed: 213);
        EnhancementPair garbage = Pair("minus36db", SpeechLike.Add(speech, unrelated, 0.01), speech);
        _expectedEnhancement.Add((garbage.Id, IssueKind.ImplausibleSiSnr, garbage.NoisyPath));

        (_, float[] orphan) = Mixture(214);
        EnhancementPair lost = Pair("missing-clean", orphan, null);
        _expectedEnhancement.Add((lost.Id, IssueKind.Unreadable, lost.CleanPath));

        (float[] lastClean, float[] lastNoisy) = Mixture(206);
        Pair("good6", lastNoisy, lastClean);
        return pairs;
    }

    /// <summary>
    /// Overwrites samples of a mono float32 WAV in place. The writer refuses non-finite audio, rightly, so the damage a
    /// buggy pipeline does has to be done to the file's bytes.
    /// </summary>
    private static void PlantNonFinite(string path, IEnumerable<(int Index, float Value)> samples)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int data = bytes.AsSpan().IndexOf("data"u8) + 8;
        foreach ((int index, float value) in samples) BitConverter.TryWriteBytes(bytes.AsSpan(data + 4 * index, 4), value);
        File.WriteAllBytes(path, bytes);
    }

    private string Clip(string name) => Path.Combine(Root, "clips", name);

    private string WriteWav(string name, float[] samples, int sampleRate = Rate, int channels = 1,
        WavSampleFormat format = WavSampleFormat.Pcm16, string folder = "clips")
    {
        string path = Path.Combine(Root, folder, name + ".wav");
        AudioFile.WriteWav(path, samples, sampleRate, channels, format);
        return path;
    }
}
