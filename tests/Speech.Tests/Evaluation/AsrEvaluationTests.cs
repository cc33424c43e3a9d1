using System.Text.Json;
using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;
using Cluster.Speech.Tests.Data;

namespace Cluster.Speech.Tests.Evaluation;

public sealed class AsrEvaluationTests
{
    private const string QuotedId = "u5 \"x\", y";

    // Reference, hypothesis, and by hand after the basic normalizer: (words, word errors, chars, char errors).
    private static readonly (string Id, string Reference, string Hypothesis, int Words, int WordErrors, int Chars, int CharErrors)[] Set =
    [
        // 今天天气很好 is one word (no spaces); one character substituted.
        ("u1", "今天天气很好。", "今天天器很好", 1, 1, 6, 1),
        // Case and punctuation are normalized away.
        ("u2", "Hello, world!", "hello world", 2, 0, 10, 0),
        // "the" deleted: one word, three characters.
        ("u3", "The cat sat on the mat.", "the cat sat on mat", 6, 1, 17, 3),
        // Three characters inserted; as words, one substitution.
        ("u4", "我爱北京", "我爱北京天安门", 1, 1, 4, 3),
        // Quotes, a comma and a line break: nothing to score, everything to quote in the CSV.
        (QuotedId, "He said \"hi, there\"", "he said\nhi there", 4, 0, 13, 0),
    ];

    [Fact]
    public void WER_and_CER_are_the_hand_counted_totals()
    {
        AsrReport report = AsrEvaluation.Run(Manifest(), new FakeTranscriber(), new AsrEvaluationOptions { BatchSize = 2 });

        Assert.Equal((3, 14, 7, 50), (report.WordErrors, report.ReferenceWords, report.CharacterErrors, report.ReferenceCharacters));
        Assert.Equal(3.0 / 14, report.Wer, 12);
        Assert.Equal(7.0 / 50, report.Cer, 12);
        foreach (((string id, _, _, int words, int wordErrors, int chars, int charErrors), AsrUtteranceResult result) in Set.Zip(report.Utterances))
        {
            Assert.Equal(id, result.Id);
            Assert.Equal((words, wordErrors, chars, charErrors),
                (result.Score.Words.ReferenceLength, result.Score.Words.Errors, result.Score.Characters.ReferenceLength, result.Score.Characters.Errors));
        }
    }

    [Fact]
    public void Batches_are_the_requested_size_in_manifest_order()
    {
        var transcriber = new FakeTranscriber();

        AsrEvaluation.Run(Manifest(), transcriber, new AsrEvaluationOptions { BatchSize = 2 });

        Assert.Equal([["u1", "u2"], ["u3", "u4"], [QuotedId]], transcriber.Batches);
    }

    [Fact]
    public void Without_a_normalizer_the_raw_text_is_scored()
    {
        AsrReport report = AsrEvaluation.Run(Manifest(), new FakeTranscriber(), new AsrEvaluationOptions { Normalize = null });

        Assert.False(report.Normalized);
        // "Hello," vs "hello" and "world!" vs "world" now differ.
        Assert.Equal(2, report.Utterances[1].Score.Words.Errors);
    }

    [Fact]
    public void CSV_has_the_columns_and_quotes_commas_quotes_and_line_breaks()
    {
        AsrReport report = AsrEvaluation.Run(Manifest(), new FakeTranscriber());

        List<string[]> records = Rfc4180.Parse(report.ToCsv());

        Assert.Equal(["id", "reference", "hypothesis", "normalized_reference", "normalized_hypothesis", "words", "word_errors", "chars", "char_errors"], records[0]);
        Assert.Equal(Set.Length + 1, records.Count);
        string[] tricky = records[5];
        Assert.Equal([QuotedId, "He said \"hi, there\"", "he said\nhi there", "he said hi there ", "he said hi there", "4", "0", "13", "0"], tricky);
        Assert.Equal(["u3", "The cat sat on the mat.", "the cat sat on mat", "the cat sat on the mat ", "the cat sat on mat", "6", "1", "17", "3"], records[3]);
        Assert.Contains("\"u5 \"\"x\"\", y\",\"He said \"\"hi, there\"\"\",\"he said\nhi there\"", report.ToCsv());
    }

    [Fact]
    public void Worst_samples_are_ranked_by_CER_and_first_samples_keep_manifest_order()
    {
        AsrReport report = AsrEvaluation.Run(Manifest(), new FakeTranscriber(), new AsrEvaluationOptions { SampleCount = 3 });

        // CERs: u4 3/4, u3 3/17, u1 1/6, u2 and u5 0.
        Assert.Equal(["u4", "u3", "u1"], report.WorstSamples.Select(u => u.Id));
        Assert.Equal(["u1", "u2", "u3"], report.FirstSamples.Select(u => u.Id));
    }

    [Fact]
    public void Equal_CERs_rank_the_utterance_with_more_errors_first_then_manifest_order()
    {
        var manifest = new Manifest("ties", [Utterance("a", "ab"), Utterance("b", "abcd"), Utterance("c", "xy")]);
        var transcriber = new FakeTranscriber(new Dictionary<string, string> { ["a"] = "a", ["b"] = "ab", ["c"] = "x" });

        AsrReport report = AsrEvaluation.Run(manifest, transcriber, new AsrEvaluationOptions { SampleCount = 3 });

        Assert.Equal(["b", "a", "c"], report.WorstSamples.Select(u => u.Id));
    }

    [Fact]
    public void Summary_shows_alignments_with_edits_in_brackets()
    {
        AsrReport report = AsrEvaluation.Run(Manifest(), new FakeTranscriber(), new AsrEvaluationOptions { SampleCount = 2 });

        string markdown = report.ToMarkdown();

        Assert.Contains("| 5 | 21.43% | 14.00% | 3 / 14 | 7 / 50 |", markdown);
        Assert.Contains("chars: 今天天[气→器]很好", markdown);
        Assert.Contains("words: [今天天气很好→今天天器很好]", markdown);
        Assert.Contains("chars: 我爱北京[→天安门]", markdown);
        Assert.Contains("words: the cat sat on [the→] mat", markdown);
        Assert.Contains("## Worst 2 transcripts by CER", markdown);
    }

    [Fact]
    public void Report_folder_holds_complete_files_and_nothing_else()
    {
        using var folder = new TempDirectory();
        string output = folder.Combine("asr/step-1000");
        AsrReport report = AsrEvaluation.Run(Manifest(), new FakeTranscriber(), new AsrEvaluationOptions { SampleCount = 2 });

        report.Write(output);
        report.Write(output); // rewriting replaces the files in place

        Assert.Equal(["summary.json", "summary.md", "utterances.csv"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
        Assert.Equal(report.ToCsv(), File.ReadAllText(output + "/utterances.csv"));
        Assert.Equal(report.ToMarkdown(), File.ReadAllText(output + "/summary.md"));
        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(output + "/summary.json"));
        JsonElement root = json.RootElement;
        Assert.Equal(5, root.GetProperty("utterances").GetInt32());
        Assert.Equal(3.0 / 14, root.GetProperty("wer").GetDouble(), 12);
        Assert.Equal(0.14, root.GetProperty("cer").GetDouble(), 12);
        JsonElement worst = root.GetProperty("worst_samples")[0];
        Assert.Equal("u4", worst.GetProperty("id").GetString());
        Assert.Equal("我爱北京[→天安门]", worst.GetProperty("char_alignment").GetString());
        Assert.Equal(0.75, worst.GetProperty("cer").GetDouble());
        Assert.Equal(["u1", "u2"], root.GetProperty("first_samples").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
    }

    [Fact]
    public void A_transcriber_that_loses_an_utterance_is_an_error()
    {
        var transcriber = new FakeTranscriber { DropLast = true };

        var error = Assert.Throws<InvalidOperationException>(() => AsrEvaluation.Run(Manifest(), transcriber, new AsrEvaluationOptions { BatchSize = 2 }));

        Assert.Contains("returned 1 hypotheses for a batch of 2", error.Message);
    }

    private static Manifest Manifest() => new("test set", Set.Select(u => Utterance(u.Id, u.Reference)));

    private static Utterance Utterance(string id, string text) => new(id, $"/data/{id.GetHashCode():x}.wav", text);

    /// <summary>Answers with fixed hypotheses by utterance id, as a recognizer would, recording the batches it gets.</summary>
    private sealed class FakeTranscriber(IReadOnlyDictionary<string, string>? hypotheses = null) : ITranscriber
    {
        private readonly IReadOnlyDictionary<string, string> _hypotheses = hypotheses ?? Set.ToDictionary(u => u.Id, u => u.Hypothesis);

        public List<string[]> Batches { get; } = [];

        public bool DropLast { get; init; }

        public IReadOnlyList<string> Transcribe(IReadOnlyList<Utterance> batch)
        {
            Batches.Add([.. batch.Select(u => u.Id)]);
            string[] texts = [.. batch.Select(u => _hypotheses[u.Id])];
            return DropLast ? texts[..^1] : texts;
        }
    }
}
