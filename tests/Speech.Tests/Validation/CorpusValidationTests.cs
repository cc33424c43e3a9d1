using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Tests.Text;
using Cluster.Speech.Validation;

namespace Cluster.Speech.Tests.Validation;

/// <summary>
/// Validation of a generated corpus with one planted defect of each kind: every defect is found, with the right kind
/// and file, and nothing else is.
/// </summary>
public sealed partial class CorpusValidationTests(PlantedCorpus corpus) : IClassFixture<PlantedCorpus>
{
    [Fact]
    public void Asr_report_flags_every_planted_defect_with_its_kind_and_file_and_nothing_else()
    {
        ValidationReport report = corpus.AsrReport;

        Assert.Equal(corpus.ExpectedAsr, report.Issues.Select(issue => (issue.ItemId, issue.Kind, issue.Path)));
        Assert.Equal(29, report.Summary.Items);
        Assert.Empty(report.SkippedChecks);
    }

    [Fact]
    public void Unreadable_items_carry_the_decoders_reason()
    {
        Dictionary<string, string> details = corpus.AsrReport.Issues
            .Where(issue => issue.Kind == IssueKind.Unreadable)
            .ToDictionary(issue => issue.ItemId, issue => issue.Detail);

        Assert.Equal("file not found", details["missing"]);
        Assert.StartsWith("unrecognised format", details["garbage"]);
        Assert.Equal("truncated: expected 32000 frames, got 12000", details["truncated"]);
    }

    [Fact]
    public void Details_give_the_measured_value()
    {
        Dictionary<string, string> details = corpus.AsrReport.Issues.ToDictionary(issue => issue.ItemId, issue => issue.Detail);

        Assert.Equal("11 NaN/Inf samples of 32000, the first at 0.5 s", details["nan"]);
        Assert.StartsWith("peak |x| = ", details["silent"]);
        Assert.EndsWith("below the silence threshold 0.0001", details["silent"]);
        Assert.Matches(@"^\d+(\.\d+)?% of samples at \|x\| ≥ 0\.999, more than 1%$", details["clipped"]);
        Assert.Equal("31 s, longer than 30 s", details["long31"]);
        Assert.Equal("transcript of white space only", details["empty-text"]);
        Assert.Equal($"label sequence of {TokenizerFixtures.Multilingual.LabelSequenceLength(corpus.LongTranscript)} tokens, more than 448",
            details["long-text"]);
    }

    [Fact]
    public void Summary_counts_stored_rates_and_channels_and_the_hours_read()
    {
        ValidationSummary summary = corpus.AsrReport.Summary;

        // Every item whose header reads, which is all but the missing, garbage and truncated files.
        Assert.Equal(new Dictionary<int, int> { [16000] = 25, [44100] = 1 }, summary.SampleRates);
        Assert.Equal(new Dictionary<int, int> { [1] = 25, [2] = 1 }, summary.Channels);
        Assert.Equal(corpus.ReadableSeconds.Values.Sum() / 3600, summary.Hours, 9);
    }

    [Fact]
    public void Enhancement_report_flags_every_planted_defect_with_its_kind_and_file_and_nothing_else()
    {
        ValidationReport report = corpus.EnhancementReport;

        Assert.Equal(corpus.ExpectedEnhancement, report.Issues.Select(issue => (issue.ItemId, issue.Kind, issue.Path)));
        Assert.Equal(10, report.Summary.Items);
        Assert.Equal(new Dictionary<int, int> { [16000] = 19 }, report.Summary.SampleRates);
        Assert.Equal(10 * 5.0 / 3600, report.Summary.Hours, 9);
        Assert.Equal("clean: file not found", report.Issues.Single(issue => issue.ItemId == "missing-clean").Detail);
        Assert.Equal("noisy has 80000 samples at 16000 Hz, clean 60000: 20000 apart, more than the 0 allowed",
            report.Issues.Single(issue => issue.ItemId == "length-mismatch").Detail);
    }

    [Fact]
    public void The_minus_36_dB_pair_is_measured_at_about_minus_36_dB()
    {
        ValidationIssue issue = corpus.EnhancementReport.Issues.Single(issue => issue.ItemId == "minus36db");

        Assert.InRange(SiSnrOf(issue), -38, -34);
        Assert.InRange(SiSnrOf(corpus.EnhancementReport.Issues.Single(issue => issue.ItemId == "misaligned")), -100, -20);
    }

    [Fact]
    public void Streamed_si_snr_equals_the_formula_over_whole_files()
    {
        // A threshold above every pair makes each usable pair report its SI-SNR.
        ValidationReport report = new DataValidator(new ValidationOptions { MinSiSnrDb = 100 }).Validate(corpus.Enhancement);

        foreach (ValidationIssue issue in report.Issues.Where(issue => issue.Kind == IssueKind.ImplausibleSiSnr))
        {
            var pair = corpus.Enhancement.Pairs.Single(pair => pair.Id == issue.ItemId);
            float[] noisy = AudioFile.Read(pair.NoisyPath).Samples, clean = AudioFile.Read(pair.CleanPath).Samples;
            int common = Math.Min(noisy.Length, clean.Length);
            Assert.Equal(SiSnrTests.Direct(noisy[..common], clean[..common]), SiSnrOf(issue), 0.051);
        }

        Assert.Equal(9, report.Issues.Count(issue => issue.Kind == IssueKind.ImplausibleSiSnr));
        Assert.All(report.Issues.Where(issue => issue.ItemId.StartsWith("good", StringComparison.Ordinal)),
            issue => Assert.InRange(SiSnrOf(issue), 4, 6));
    }

    [Fact]
    public void Json_report_parses_and_holds_counts_summary_and_issues()
    {
        string path = Path.Combine(corpus.Root, "report.json");
        corpus.AsrReport.WriteJson(path);

        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        JsonElement root = document.RootElement;
        Assert.Equal(corpus.AsrReport.ToJson(), File.ReadAllText(path));
        Assert.Equal(29, root.GetProperty("items").GetInt32());
        Assert.Equal(25, root.GetProperty("sampleRates").GetProperty("16000").GetInt32());
        Assert.Equal(1, root.GetProperty("channels").GetProperty("2").GetInt32());
        JsonElement counts = root.GetProperty("counts");
        Assert.Equal(3, counts.GetProperty("Unreadable").GetInt32());
        foreach (string kind in new[] { "NonFinite", "Silent", "Clipped", "TooLong", "EmptyTranscript", "TranscriptTooLong" })
            Assert.Equal(1, counts.GetProperty(kind).GetInt32());
        Assert.Equal(0, counts.GetProperty("LengthMismatch").GetInt32());
        Assert.Equal(8, root.GetProperty("quarantined").GetInt32());
        Assert.Equal(8.0 / 29, root.GetProperty("badFraction").GetDouble(), 12);
        Assert.Equal(corpus.ExpectedAsr.Count, root.GetProperty("issues").GetArrayLength());
        JsonElement clipped = root.GetProperty("issues").EnumerateArray().Single(issue => issue.GetProperty("id").GetString() == "clipped");
        Assert.False(clipped.GetProperty("blocking").GetBoolean());
        Assert.Equal("Clipped", clipped.GetProperty("kind").GetString());
    }

    [Fact]
    public void Quarantine_file_lists_exactly_the_items_with_blocking_issues()
    {
        string path = Path.Combine(corpus.Root, "quarantine.txt");
        corpus.AsrReport.WriteQuarantine(path);

        string[] expected = [.. corpus.ExpectedAsr.Where(issue => issue.Kind != IssueKind.Clipped).Select(issue => issue.Id)];
        Assert.Equal(expected, File.ReadAllLines(path));
        Assert.DoesNotContain("clipped", File.ReadAllLines(path));
        Assert.Equal(8.0 / 29, corpus.AsrReport.BadFraction, 12);
        Assert.Empty(Directory.EnumerateFiles(corpus.Root, ".*tmp*"));
    }

    [Fact]
    public void Table_shows_each_kind_with_its_count_and_examples_then_the_summary()
    {
        var output = new StringWriter();
        corpus.AsrReport.RenderTable(output);
        string table = output.ToString();

        foreach (IssueKind kind in Enum.GetValues<IssueKind>()) Assert.Contains(kind.ToString(), table);
        Assert.Matches(@"Unreadable \(unreadable audio\)\s*│\s*blocking\s*│\s*3\s*│ missing\.wav, garbage\.wav, truncated\.wav", table);
        Assert.Matches(@"Clipped \(clipped audio\)\s*│\s*warning\s*│\s*1\s*│ clipped\.wav", table);
        Assert.Matches(@"LengthMismatch \(noisy/clean length mismatch\)\s*│\s*blocking\s*│\s*0\s*│", table);
        Assert.Contains("items: 29, audio: ", table);
        Assert.Contains("sample rates: 16000 Hz × 25, 44100 Hz × 1", table);
        Assert.Contains("channels: 1 ch × 25, 2 ch × 1", table);
        Assert.Contains("quarantined: 8 of 29 items (27.59%)", table);
        Assert.DoesNotContain("skipped", table);
    }

    [Fact]
    public void Refusal_follows_the_bad_fraction_threshold()
    {
        // 8 of 29 items (27.6%) are quarantined.
        Assert.True(corpus.AsrReport.ShouldRefuseTraining(ValidationPolicy.Default));
        Assert.Contains("8 of 29 items (27.59%) have blocking issues", corpus.AsrReport.RefusalReason(ValidationPolicy.Default));
        Assert.False(corpus.AsrReport.ShouldRefuseTraining(new ValidationPolicy { MaxBadFraction = 0.3 }));
        Assert.Null(corpus.AsrReport.RefusalReason(new ValidationPolicy { MaxBadFraction = 0.3 }));
    }

    [Fact]
    public void Implausible_pairs_refuse_training_even_when_bad_items_are_tolerated()
    {
        var tolerant = new ValidationPolicy { MaxBadFraction = 1 };

        string? reason = corpus.EnhancementReport.RefusalReason(tolerant);

        Assert.NotNull(reason);
        Assert.Contains("2 of 10 pairs (20%) have an implausible SI-SNR", reason);
        Assert.DoesNotContain("blocking issues", reason);
        Assert.False(corpus.EnhancementReport.ShouldRefuseTraining(tolerant with { MaxImplausibleSiSnrFraction = 0.2 }));
    }

    [Fact]
    public void Without_a_tokenizer_the_token_check_is_skipped_and_the_report_says_so()
    {
        ValidationReport report = corpus.AsrReportWithoutTokenizer;

        Assert.Equal(corpus.ExpectedAsr.Where(issue => issue.Kind != IssueKind.TranscriptTooLong),
            report.Issues.Select(issue => (issue.ItemId, issue.Kind, issue.Path)));
        string skipped = Assert.Single(report.SkippedChecks);
        Assert.Contains("no tokenizer was given", skipped);
        Assert.Contains("448-token limit", skipped);
        using JsonDocument json = JsonDocument.Parse(report.ToJson());
        Assert.Equal(skipped, json.RootElement.GetProperty("skippedChecks")[0].GetString());
        var table = new StringWriter();
        report.RenderTable(table);
        Assert.Contains("skipped: label length: no tokenizer was given", table.ToString());
    }

    [Fact]
    public void Limits_come_from_the_options()
    {
        var subset = new Manifest("subset", corpus.Manifest.Utterances.Where(utterance => utterance.Id is "clipped" or "silent" or "long31"));
        var lenient = new ValidationOptions { ClipLevel = 1.5, SilencePeak = 0, MaxDurationSeconds = 31 };

        Assert.Equal(["silent", "clipped", "long31"], new DataValidator().Validate(subset).Issues.Select(issue => issue.ItemId));
        Assert.Empty(new DataValidator(lenient).Validate(subset).Issues);
    }

    [Fact]
    public void Report_is_the_same_whichever_order_files_are_read_in()
    {
        var sequential = new DataValidator(new ValidationOptions { MaxDegreeOfParallelism = 1 }, TokenizerFixtures.Multilingual);

        Assert.Equal(corpus.AsrReport.ToJson(), sequential.Validate(corpus.Manifest).ToJson());
        Assert.Equal(corpus.EnhancementReport.ToJson(), new DataValidator(new ValidationOptions { MaxDegreeOfParallelism = 1 })
            .Validate(corpus.Enhancement).ToJson());
    }

    private static double SiSnrOf(ValidationIssue issue) =>
        double.Parse(SiSnrPattern().Match(issue.Detail).Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"SI-SNR\(noisy, clean\) = (-?\d+\.\d) dB")]
    private static partial Regex SiSnrPattern();
}
