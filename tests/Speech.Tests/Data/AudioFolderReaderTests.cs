using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public sealed class AudioFolderReaderTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Reads_rfc4180_csv_with_quoted_commas_quotes_and_line_breaks()
    {
        string csv = temp.Write("data/train/metadata.csv",
            "file_name,transcription,duration,speaker_id,source\n" +
            "a.wav,plain text,1.5,s1,web\n" +
            "sub/b.wav,\"comma, and \"\"quotes\"\"\",2,s2,\"\"\n" +
            "c.wav,\"two\nlines\",,,radio\n" +
            "d.wav,bare \"quote\" inside,0.5,,\n");

        Manifest manifest = AudioFolderReader.Read(temp.Combine("data/train"));

        Assert.Equal(["a.wav", "sub/b.wav", "c.wav", "d.wav"], manifest.Utterances.Select(u => u.Id));
        Assert.Equal(["plain text", "comma, and \"quotes\"", "two\nlines", "bare \"quote\" inside"], manifest.Utterances.Select(u => u.Text));
        Assert.Equal([1.5, 2, null, 0.5], manifest.Utterances.Select(u => u.Duration));
        Assert.Equal(temp.Combine("data/train/sub/b.wav"), manifest.Utterances[1].AudioPath);
        Assert.Equal("s1", manifest.Utterances[0].Speaker);
        Assert.Equal("web", manifest.Utterances[0].Extra["source"]);
        Assert.Equal(["source"], manifest.Utterances[0].Extra.Keys);
        Assert.Contains(csv, manifest.Source);
    }

    [Fact]
    public void Reads_metadata_jsonl_with_a_sentence_field_and_keeps_other_fields()
    {
        temp.Write("af/metadata.jsonl",
            "{\"file_name\": \"x/1.flac\", \"sentence\": \"今天天氣很好\", \"duration\": 3.25, \"language\": \"zh\", \"score\": 0.9}\n" +
            "{\"file_name\": \"x/2.flac\", \"sentence\": \"\", \"tags\": [\"a\"]}\n");

        Manifest manifest = AudioFolderReader.Read(temp.Combine("af"));

        Utterance first = manifest.Utterances[0];
        Assert.Equal(temp.Combine("af/x/1.flac"), first.AudioPath);
        Assert.Equal("今天天氣很好", first.Text);
        Assert.Equal(3.25, first.Duration);
        Assert.Equal("zh", first.Language);
        Assert.Equal("0.9", first.Extra["score"]);
        Assert.Equal("[\"a\"]", manifest.Utterances[1].Extra["tags"]);
    }

    [Fact]
    public void The_text_column_can_be_named()
    {
        string csv = temp.Write("metadata.csv", "file_name,text,normalized\na.wav,Hello!,hello\n");

        Assert.Equal("hello", Assert.Single(AudioFolderReader.Read(csv, textColumn: "normalized").Utterances).Text);
        Assert.Equal("Hello!", Assert.Single(AudioFolderReader.Read(csv).Utterances).Text);
    }

    [Fact]
    public void A_csv_without_a_transcript_column_is_reported_once_at_the_header()
    {
        string csv = temp.Write("metadata.csv", "file_name,label\na.wav,x\nb.wav,y\n");

        Assert.Equal(
            [(1, "no transcript column: expected one of 'transcription', 'sentence', 'text' (the header has: file_name, label), or name the column explicitly")],
            Problems.Lines(() => AudioFolderReader.Read(csv)));
    }

    [Fact]
    public void A_jsonl_record_without_a_transcript_is_reported_at_its_line()
    {
        string jsonl = temp.Write("metadata.jsonl", "{\"file_name\": \"a.wav\", \"text\": \"ok\"}\n{\"file_name\": \"b.wav\"}\n");

        Assert.Equal(
            [(2, "no transcript column: expected one of 'transcription', 'sentence', 'text', or name the column explicitly")],
            Problems.Lines(() => AudioFolderReader.Read(jsonl)));
    }

    [Fact]
    public void A_quote_that_is_never_closed_is_reported_at_the_line_where_its_record_starts()
    {
        string csv = temp.Write("metadata.csv", "file_name,text\na.wav,ok\nb.wav,\"never closed\nc.wav,ok\n");

        Assert.Equal([(3, "field 2 opens a quote that is never closed")], Problems.Lines(() => AudioFolderReader.Read(csv)));
    }

    [Fact]
    public void Text_after_a_closing_quote_is_reported()
    {
        string csv = temp.Write("metadata.csv", "file_name,text\n\"a.wav\"x,ok\nb.wav,ok\n");

        Assert.Equal([(2, "field 1 has text after its closing quote")], Problems.Lines(() => AudioFolderReader.Read(csv)));
    }

    [Fact]
    public void Problems_of_several_kinds_are_all_reported_in_one_error()
    {
        string jsonl = temp.Write("metadata.jsonl",
            "{\"file_name\": \"a.wav\", \"text\": \"ok\"}\n" +
            "{\"file_name\": \"b.wav\", \"text\": \"ok\"\n" +
            "[\"not\", \"an object\"]\n" +
            "{\"text\": \"no file\"}\n" +
            "{\"file_name\": \"c.wav\", \"text\": \"ok\", \"duration\": \"long\"}\n" +
            "{\"file_name\": \"d.wav\", \"text\": \"ok\", \"duration\": -2}\n" +
            "{\"file_name\": {\"path\": \"e.wav\"}, \"text\": \"ok\"}\n" +
            "{\"file_name\": \"a.wav\", \"text\": \"again\"}\n");

        (int? Line, string Reason)[] problems = Problems.Lines(() => AudioFolderReader.Read(jsonl));

        Assert.Equal([2, 3, 4, 5, 6, 7, 8], problems.Select(p => p.Line));
        Assert.StartsWith("not valid JSON: ", problems[0].Reason);
        Assert.Equal("expected a JSON object, found array", problems[1].Reason);
        Assert.Equal("missing required field 'file_name'", problems[2].Reason);
        Assert.Equal("'duration' is not a number: 'long'", problems[3].Reason);
        Assert.Equal("'duration' is negative: -2", problems[4].Reason);
        Assert.Equal("'file_name' must be a string or number, not a JSON object or array", problems[5].Reason);
        Assert.Equal("duplicate id 'a.wav' (first on line 1)", problems[6].Reason);
    }

    [Fact]
    public void A_folder_with_both_metadata_files_is_ambiguous()
    {
        temp.Write("af/metadata.csv", "file_name,text\n");
        temp.Write("af/metadata.jsonl", "");

        Assert.Equal([(null, "holds both metadata.csv and metadata.jsonl; keep one, or pass the one to read")],
            Problems.Lines(() => AudioFolderReader.Read(temp.Combine("af"))));
    }

    [Fact]
    public void A_folder_without_metadata_is_reported()
    {
        Directory.CreateDirectory(temp.Combine("af"));

        Assert.Equal([(null, "holds neither metadata.csv nor metadata.jsonl")], Problems.Lines(() => AudioFolderReader.Read(temp.Combine("af"))));
    }
}
