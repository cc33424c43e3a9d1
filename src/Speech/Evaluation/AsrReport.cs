using System.Text;
using System.Text.Json;
using Cluster.Speech.Text;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// The outcome of an <see cref="AsrEvaluation"/>: corpus WER/CER, every utterance's texts and error counts, and
/// sample transcripts (the first few of the manifest and the worst by CER) with their alignments.
/// </summary>
public sealed class AsrReport
{
    public const string CsvFileName = "utterances.csv";
    public const string MarkdownFileName = "summary.md";
    public const string JsonFileName = "summary.json";

    internal AsrReport(string source, IReadOnlyList<AsrUtteranceResult> utterances, ErrorRateAccumulator totals,
        bool normalized, int sampleCount)
    {
        Source = source;
        Utterances = utterances;
        Normalized = normalized;
        WordErrors = totals.WordErrors;
        ReferenceWords = totals.ReferenceWords;
        CharacterErrors = totals.CharacterErrors;
        ReferenceCharacters = totals.ReferenceCharacters;
        Wer = totals.Wer;
        Cer = totals.Cer;
        FirstSamples = [.. utterances.Take(sampleCount)];
        // Ties go to the utterance with more errors (a long one that is all wrong says more than a one-character
        // miss), then to manifest order so the report is the same on every run.
        WorstSamples = [.. utterances
            .OrderByDescending(u => u.CharacterErrorRate)
            .ThenByDescending(u => u.Score.Characters.Errors)
            .ThenBy(u => u.Index)
            .Take(sampleCount)];
    }

    /// <summary>The manifest evaluated.</summary>
    public string Source { get; }

    /// <summary>Every utterance, in manifest order.</summary>
    public IReadOnlyList<AsrUtteranceResult> Utterances { get; }

    /// <summary>Whether reference and hypothesis were normalized before scoring.</summary>
    public bool Normalized { get; }

    public int WordErrors { get; }

    public int ReferenceWords { get; }

    public int CharacterErrors { get; }

    public int ReferenceCharacters { get; }

    /// <summary>Corpus word error rate: all word edits over all reference words.</summary>
    public double Wer { get; }

    /// <summary>Corpus character error rate: all character edits over all reference characters.</summary>
    public double Cer { get; }

    /// <summary>The first utterances of the manifest, as a fixed set to compare across checkpoints.</summary>
    public IReadOnlyList<AsrUtteranceResult> FirstSamples { get; }

    /// <summary>The utterances with the highest CER, worst first.</summary>
    public IReadOnlyList<AsrUtteranceResult> WorstSamples { get; }

    /// <summary>
    /// Writes <see cref="CsvFileName"/>, <see cref="MarkdownFileName"/> and, last, <see cref="JsonFileName"/> into
    /// <paramref name="folder"/> (created if missing). Each file appears atomically, and the JSON summary only after
    /// the others, so a folder holding it holds the whole report.
    /// </summary>
    public void Write(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Directory.CreateDirectory(folder);
        ReportText.WriteUtf8(Path.Combine(folder, CsvFileName), ToCsv());
        ReportText.WriteUtf8(Path.Combine(folder, MarkdownFileName), ToMarkdown());
        ReportText.WriteJson(Path.Combine(folder, JsonFileName), WriteJson);
    }

    /// <summary>One record per utterance: id, reference, hypothesis, normalized_reference, normalized_hypothesis,
    /// words, word_errors, chars, char_errors (RFC 4180).</summary>
    public string ToCsv()
    {
        var csv = new StringBuilder();
        ReportText.AppendCsvRecord(csv, "id", "reference", "hypothesis", "normalized_reference", "normalized_hypothesis",
            "words", "word_errors", "chars", "char_errors");
        foreach (AsrUtteranceResult u in Utterances)
        {
            ReportText.AppendCsvRecord(csv, u.Id, u.Reference, u.Hypothesis, u.Score.Reference, u.Score.Hypothesis,
                ReportText.Integer(u.Score.Words.ReferenceLength), ReportText.Integer(u.Score.Words.Errors),
                ReportText.Integer(u.Score.Characters.ReferenceLength), ReportText.Integer(u.Score.Characters.Errors));
        }

        return csv.ToString();
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append("# ASR evaluation: ").AppendLine(ReportText.MarkdownInline(Source)).AppendLine();
        md.AppendLine("| utterances | WER | CER | word errors / words | char errors / chars |");
        md.AppendLine("|---:|---:|---:|---:|---:|");
        md.Append("| ").Append(ReportText.Integer(Utterances.Count))
            .Append(" | ").Append(ReportText.Percent(Wer))
            .Append(" | ").Append(ReportText.Percent(Cer))
            .Append(" | ").Append(ReportText.Integer(WordErrors)).Append(" / ").Append(ReportText.Integer(ReferenceWords))
            .Append(" | ").Append(ReportText.Integer(CharacterErrors)).Append(" / ").Append(ReportText.Integer(ReferenceCharacters))
            .AppendLine(" |").AppendLine();
        md.AppendLine(Normalized
            ? "Scored after normalization; micro-averaged: all edits over all reference tokens. Alignments show edits as [reference→hypothesis]."
            : "Scored on the raw text; micro-averaged: all edits over all reference tokens. Alignments show edits as [reference→hypothesis].");
        AppendSamples(md, $"First {FirstSamples.Count} transcripts", FirstSamples);
        AppendSamples(md, $"Worst {WorstSamples.Count} transcripts by CER", WorstSamples);
        return md.ToString();
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, ReportText.JsonOptions)) WriteJson(json);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void AppendSamples(StringBuilder md, string title, IReadOnlyList<AsrUtteranceResult> samples)
    {
        md.AppendLine().Append("## ").AppendLine(title);
        foreach (AsrUtteranceResult u in samples)
        {
            md.AppendLine().Append("- `#").Append(ReportText.Integer(u.Index + 1)).Append("` CER ")
                .Append(ReportText.Percent(u.CharacterErrorRate))
                .Append(" (").Append(ReportText.Integer(u.Score.Characters.Errors)).Append('/').Append(ReportText.Integer(u.Score.Characters.ReferenceLength))
                .Append("), WER ").Append(ReportText.Percent(u.WordErrorRate))
                .Append(" (").Append(ReportText.Integer(u.Score.Words.Errors)).Append('/').Append(ReportText.Integer(u.Score.Words.ReferenceLength))
                .AppendLine(")").AppendLine();
            // Line breaks inside a transcript would split its line in the block; the CSV keeps them.
            string[] lines =
            [
                "id:    " + u.Id,
                "ref:   " + u.Reference,
                "hyp:   " + u.Hypothesis,
                "chars: " + AlignmentText.Render(u.Score.Characters, ""),
                "words: " + AlignmentText.Render(u.Score.Words, " "),
            ];
            string fence = ReportText.Fence(string.Concat(lines));
            md.Append("  ").Append(fence).AppendLine("text");
            foreach (string line in lines) md.Append("  ").AppendLine(line.ReplaceLineEndings(" "));
            md.Append("  ").AppendLine(fence);
        }
    }

    private void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("source", Source);
        json.WriteNumber("utterances", Utterances.Count);
        json.WriteBoolean("normalized", Normalized);
        json.WriteNumber("wer", Wer);
        json.WriteNumber("cer", Cer);
        json.WriteNumber("word_errors", WordErrors);
        json.WriteNumber("words", ReferenceWords);
        json.WriteNumber("char_errors", CharacterErrors);
        json.WriteNumber("chars", ReferenceCharacters);
        WriteSamples(json, "first_samples", FirstSamples);
        WriteSamples(json, "worst_samples", WorstSamples);
        json.WriteEndObject();
    }

    private static void WriteSamples(Utf8JsonWriter json, string name, IReadOnlyList<AsrUtteranceResult> samples)
    {
        json.WriteStartArray(name);
        foreach (AsrUtteranceResult u in samples)
        {
            json.WriteStartObject();
            json.WriteString("id", u.Id);
            json.WriteString("reference", u.Reference);
            json.WriteString("hypothesis", u.Hypothesis);
            json.WriteString("normalized_reference", u.Score.Reference);
            json.WriteString("normalized_hypothesis", u.Score.Hypothesis);
            json.WriteNumber("words", u.Score.Words.ReferenceLength);
            json.WriteNumber("word_errors", u.Score.Words.Errors);
            json.WriteNumber("chars", u.Score.Characters.ReferenceLength);
            json.WriteNumber("char_errors", u.Score.Characters.Errors);
            json.WriteNumber("wer", u.WordErrorRate);
            json.WriteNumber("cer", u.CharacterErrorRate);
            json.WriteString("word_alignment", AlignmentText.Render(u.Score.Words, " "));
            json.WriteString("char_alignment", AlignmentText.Render(u.Score.Characters, ""));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }
}
