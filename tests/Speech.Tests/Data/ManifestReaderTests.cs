using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public sealed class ManifestReaderTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Detects_each_format_from_the_layout()
    {
        temp.Write("kaldi/wav.scp", "u1 /a.wav\n");
        temp.Write("kaldi/text", "u1 a\n");
        temp.Write("af/metadata.jsonl", "{\"file_name\": \"a.wav\", \"text\": \"a\"}\n");
        temp.Write("cv/dev.tsv", "path\tsentence\na.mp3\ta\n");
        temp.Write("own/train.jsonl", "{\"audio\": \"a.wav\", \"text\": \"a\"}\n");
        temp.Write("csv/train.csv", "file_name,text\na.wav,a\n");

        Assert.Equal(ManifestFormat.Kaldi, ManifestReader.Detect(temp.Combine("kaldi")));
        Assert.Equal(ManifestFormat.Kaldi, ManifestReader.Detect(temp.Combine("kaldi/text")));
        Assert.Equal(ManifestFormat.AudioFolder, ManifestReader.Detect(temp.Combine("af")));
        Assert.Equal(ManifestFormat.AudioFolder, ManifestReader.Detect(temp.Combine("af/metadata.jsonl")));
        Assert.Equal(ManifestFormat.AudioFolder, ManifestReader.Detect(temp.Combine("csv/train.csv")));
        Assert.Equal(ManifestFormat.CommonVoice, ManifestReader.Detect(temp.Combine("cv/dev.tsv")));
        Assert.Equal(ManifestFormat.Jsonl, ManifestReader.Detect(temp.Combine("own/train.jsonl")));
    }

    [Fact]
    public void Reads_each_format_through_one_entry_point()
    {
        temp.Write("kaldi/wav.scp", "u1 /a.wav\n");
        temp.Write("kaldi/text", "u1 kaldi\n");
        temp.Write("af/metadata.csv", "file_name,text\na.wav,audiofolder\n");
        temp.Write("cv/dev.tsv", "path\tsentence\na.mp3\tcommon voice\n");
        temp.Write("own/train.jsonl", "{\"audio\": \"a.wav\", \"text\": \"jsonl\"}\n");

        Assert.Equal("kaldi", ManifestReader.Read(temp.Combine("kaldi/wav.scp")).Utterances[0].Text);
        Assert.Equal("audiofolder", ManifestReader.Read(temp.Combine("af")).Utterances[0].Text);
        Assert.Equal("common voice", ManifestReader.Read(temp.Combine("cv/dev.tsv")).Utterances[0].Text);
        Assert.Equal("jsonl", ManifestReader.Read(temp.Combine("own/train.jsonl")).Utterances[0].Text);
        // An explicit format overrides detection: a .csv read as JSON Lines fails on every line.
        Assert.Equal([1, 2], Problems.Of(() => ManifestReader.Read(temp.Combine("af/metadata.csv"), ManifestFormat.Jsonl)).Problems.Select(p => p.Line ?? 0));
    }

    [Fact]
    public void An_unknown_layout_asks_for_the_format()
    {
        string path = temp.Write("data.txt", "a.wav hello\n");

        Assert.Equal(
            [(null, "cannot tell the manifest format of a file that is not .tsv, .csv, .jsonl or part of a Kaldi data directory; name the format explicitly")],
            Problems.Lines(() => ManifestReader.Detect(path)));
        Directory.CreateDirectory(temp.Combine("empty"));
        Assert.Throws<ManifestFormatException>(() => ManifestReader.Read(temp.Combine("empty")));
        Assert.Throws<FileNotFoundException>(() => ManifestReader.Read(temp.Combine("absent.tsv")));
    }
}
