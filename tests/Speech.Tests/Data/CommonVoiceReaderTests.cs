using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public sealed class CommonVoiceReaderTests : IDisposable
{
    private const string Header = "client_id\tpath\tsentence_id\tsentence\tup_votes\tdown_votes\tage\tgender\tlocale\tsegment";

    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Reads_rows_with_audio_in_clips_speaker_locale_and_the_other_columns_kept()
    {
        string tsv = temp.Write("cv/train.tsv",
            Header + "\n" +
            "spk1\tcommon_voice_zh-TW_1.mp3\ts1\t他說\"你好\"，然後走了\t2\t0\ttwenties\tmale\tzh-TW\t\n" +
            "spk2\tcommon_voice_zh-TW_2.mp3\ts2\t\"引號開頭\t3\t1\t\t\tzh-TW\t\n");

        Manifest manifest = CommonVoiceReader.Read(tsv);

        Assert.Equal(2, manifest.Count);
        Utterance first = manifest.Utterances[0];
        Assert.Equal("common_voice_zh-TW_1.mp3", first.Id);
        Assert.Equal(temp.Combine("cv/clips/common_voice_zh-TW_1.mp3"), first.AudioPath);
        Assert.Equal("他說\"你好\"，然後走了", first.Text);
        Assert.Equal("spk1", first.Speaker);
        Assert.Equal("zh-TW", first.Language);
        Assert.Null(first.Duration);
        Assert.Null(first.Offset);
        Assert.Equal("s1", first.Extra["sentence_id"]);
        Assert.Equal("twenties", first.Extra["age"]);
        Assert.Equal("", first.Extra["segment"]);
        Assert.False(first.Extra.ContainsKey("path"));
        // No quoting in Common Voice: a leading quote is part of the sentence, not the start of a quoted field.
        Assert.Equal("\"引號開頭", manifest.Utterances[1].Text);
        Assert.True(manifest.TryGet("common_voice_zh-TW_2.mp3", out Utterance? second));
        Assert.Equal("spk2", second.Speaker);
    }

    [Fact]
    public void Windows_line_ends_and_a_byte_order_mark_read_like_plain_lines()
    {
        string tsv = temp.WriteBytes("train.tsv",
            [0xEF, 0xBB, 0xBF, .. System.Text.Encoding.UTF8.GetBytes("path\tsentence\r\na.mp3\thello\r\n")]);

        Utterance only = Assert.Single(CommonVoiceReader.Read(tsv).Utterances);

        Assert.Equal("a.mp3", only.Id);
        Assert.Equal("hello", only.Text);
    }

    [Fact]
    public void Durations_come_from_clip_durations_tsv_in_milliseconds()
    {
        string tsv = temp.Write("train.tsv", "path\tsentence\na.mp3\t一\nb.mp3\t二\n");
        temp.Write("clip_durations.tsv", "clip\tduration[ms]\na.mp3\t5040\n");

        Manifest manifest = CommonVoiceReader.Read(tsv);

        Assert.Equal(5.04, manifest.Utterances[0].Duration);
        Assert.Null(manifest.Utterances[1].Duration);
    }

    [Fact]
    public void A_duration_column_in_seconds_wins_over_clip_durations()
    {
        string tsv = temp.Write("train.tsv", "path\tsentence\tduration\na.mp3\t一\t1.25\n");
        temp.Write("clip_durations.tsv", "clip\tduration[ms]\na.mp3\t5040\n");

        Assert.Equal(1.25, Assert.Single(CommonVoiceReader.Read(tsv).Utterances).Duration);
    }

    [Fact]
    public void An_unparsable_clip_duration_is_reported_against_clip_durations_tsv()
    {
        string tsv = temp.Write("train.tsv", "path\tsentence\na.mp3\t一\n");
        string durations = temp.Write("clip_durations.tsv", "clip\tduration[ms]\na.mp3\tlong\n");

        ManifestProblem problem = Assert.Single(Problems.Of(() => CommonVoiceReader.Read(tsv)).Problems);

        Assert.Equal(new ManifestProblem(durations, 2, "'duration[ms]' is not a number: 'long'"), problem);
    }

    [Fact]
    public void A_missing_sentence_column_is_reported_once_at_the_header()
    {
        string tsv = temp.Write("train.tsv", "client_id\tpath\ttext\nx\ta.mp3\thi\nx\tb.mp3\tho\n");

        var e = Problems.Of(() => CommonVoiceReader.Read(tsv));

        Assert.Equal(tsv, e.Path);
        Assert.Equal([(1, "missing column 'sentence' (the header has: client_id, path, text)")],
            e.Problems.Select(p => (p.Line, p.Reason)));
        Assert.Contains($"{tsv}:1: missing column 'sentence'", e.Message);
    }

    [Fact]
    public void Rows_with_the_wrong_number_of_fields_are_reported_each_with_its_line()
    {
        string tsv = temp.Write("train.tsv", "path\tsentence\tlocale\na.mp3\tok\tzh-TW\nb.mp3\ttoo few\nc.mp3\tok\tzh-TW\nd.mp3\ttoo\tmany\tfields\n");

        Assert.Equal(
            [(3, "expected 3 tab-separated fields as in the header, found 2"), (5, "expected 3 tab-separated fields as in the header, found 4")],
            Problems.Lines(() => CommonVoiceReader.Read(tsv)));
    }

    [Fact]
    public void An_empty_path_is_a_missing_required_field()
    {
        string tsv = temp.Write("train.tsv", "path\tsentence\n\thello\n");

        Assert.Equal([(2, "'path' is empty")], Problems.Lines(() => CommonVoiceReader.Read(tsv)));
    }

    [Fact]
    public void An_empty_sentence_is_kept_for_validation_to_judge()
    {
        string tsv = temp.Write("train.tsv", "path\tsentence\na.mp3\t\n");

        Assert.Equal("", Assert.Single(CommonVoiceReader.Read(tsv).Utterances).Text);
    }

    [Fact]
    public void A_repeated_clip_is_reported_with_the_line_of_its_first_occurrence()
    {
        string tsv = temp.Write("train.tsv", "path\tsentence\na.mp3\tone\nb.mp3\ttwo\na.mp3\tthree\n");

        Assert.Equal([(4, "duplicate id 'a.mp3' (first on line 2)")], Problems.Lines(() => CommonVoiceReader.Read(tsv)));
    }

    [Fact]
    public void Blank_lines_are_skipped_anywhere_and_still_counted_in_line_numbers()
    {
        string tsv = temp.Write("train.tsv", "path\tsentence\n\na.mp3\tone\n   \nb.mp3\n\n\n");

        Assert.Equal([(5, "expected 2 tab-separated fields as in the header, found 1")], Problems.Lines(() => CommonVoiceReader.Read(tsv)));
    }

    [Fact]
    public void A_line_that_is_not_utf8_is_reported_instead_of_being_mangled()
    {
        string tsv = temp.WriteBytes("train.tsv",
            [.. "path\tsentence\na.mp3\tok\nb.mp3\t"u8, 0xC3, 0x28, .. "\nc.mp3\tok\n"u8]);

        Assert.Equal([(3, "not valid UTF-8")], Problems.Lines(() => CommonVoiceReader.Read(tsv)));
    }

    [Fact]
    public void An_empty_file_has_no_header()
    {
        string tsv = temp.Write("train.tsv", "");

        Assert.Equal([(null, "the file is empty: expected a header row")], Problems.Lines(() => CommonVoiceReader.Read(tsv)));
    }

    [Fact]
    public void Every_problem_is_collected_but_the_message_lists_fifty()
    {
        string tsv = temp.Write("train.tsv",
            "path\tsentence\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"clip{i}.mp3\n")));

        var e = Problems.Of(() => CommonVoiceReader.Read(tsv));

        Assert.Equal(60, e.Problems.Count);
        Assert.Equal(Enumerable.Range(2, 60).Select(line => (int?)line), e.Problems.Select(p => p.Line));
        Assert.StartsWith($"{tsv}: 60 problems\n", e.Message);
        Assert.Contains($"{tsv}:51: expected 2", e.Message);
        Assert.DoesNotContain($"{tsv}:52:", e.Message);
        Assert.EndsWith("\n  and 10 more", e.Message);
    }

    [Fact]
    public void A_missing_file_is_not_found()
    {
        Assert.Throws<FileNotFoundException>(() => CommonVoiceReader.Read(temp.Combine("absent.tsv")));
    }
}
