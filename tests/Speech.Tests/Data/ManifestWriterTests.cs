using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public sealed class ManifestWriterTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Jsonl_round_trips_every_field()
    {
        string path = temp.Combine("out/train.jsonl");
        Directory.CreateDirectory(temp.Combine("out"));
        Utterance[] utterances =
        [
            new("zh-1", temp.Combine("out/wav/1.wav"), "他說：「你好」\t\"quoted\"\nnext line")
            {
                Duration = 0.1 + 0.2,
                Offset = 12.345,
                Speaker = "spk",
                Language = "zh-TW",
                Extra = new Dictionary<string, string> { ["snr"] = "5", ["note"] = "" },
            },
            new("outside", "/elsewhere/2.flac", ""),
        ];

        ManifestWriter.WriteJsonl(path, utterances);
        Manifest read = JsonlManifestReader.Read(path);

        Assert.Equal(utterances, read.Utterances);
        string text = File.ReadAllText(path);
        // Audio inside the folder is stored relative, so the folder can move; Chinese stays readable.
        Assert.Contains("\"audio\":\"wav/1.wav\"", text);
        Assert.Contains("\"audio\":\"/elsewhere/2.flac\"", text);
        Assert.Contains("他說", text);
        Assert.Equal(2, text.Count(c => c == '\n'));
    }

    [Fact]
    public void Common_voice_tsv_round_trips_through_the_reader()
    {
        string path = temp.Combine("cv/train.tsv");
        Directory.CreateDirectory(temp.Combine("cv"));
        Utterance[] utterances =
        [
            new("a.mp3", temp.Combine("cv/clips/a.mp3"), "他說\"好\"")
            {
                Duration = 4.56, Speaker = "c1", Language = "zh-TW",
                Extra = new Dictionary<string, string> { ["up_votes"] = "2", ["gender"] = "" },
            },
            new("sub/b.mp3", temp.Combine("cv/clips/sub/b.mp3"), "二")
            {
                Duration = 1, Speaker = "c2", Language = "zh-TW",
                Extra = new Dictionary<string, string> { ["up_votes"] = "0", ["gender"] = "female" },
            },
        ];

        ManifestWriter.WriteCommonVoiceTsv(path, utterances);

        Assert.Equal(utterances, CommonVoiceReader.Read(path).Utterances);
        Assert.StartsWith("client_id\tpath\tsentence\tlocale\tduration\tup_votes\tgender\n", File.ReadAllText(path));
    }

    [Fact]
    public void Common_voice_refuses_what_the_format_cannot_hold()
    {
        string path = temp.Combine("train.tsv");
        string clip = temp.Combine("clips/a.mp3");

        Assert.Contains("'sentence' holds a tab or line break",
            Assert.Throws<ArgumentException>(() => ManifestWriter.WriteCommonVoiceTsv(path, [new Utterance("a.mp3", clip, "a\tb")])).Message);
        Assert.Contains($"audio /x/a.mp3 is not under {temp.Combine("clips")}",
            Assert.Throws<ArgumentException>(() => ManifestWriter.WriteCommonVoiceTsv(path, [new Utterance("a.mp3", "/x/a.mp3", "a")])).Message);
        Assert.Contains("the id must be the clip path 'a.mp3'",
            Assert.Throws<ArgumentException>(() => ManifestWriter.WriteCommonVoiceTsv(path, [new Utterance("utt1", clip, "a")])).Message);
        Assert.Contains("cut it first",
            Assert.Throws<ArgumentException>(() => ManifestWriter.WriteCommonVoiceTsv(path, [new Utterance("a.mp3", clip, "a") { Offset = 1 }])).Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Writing_replaces_the_old_file_whole_and_leaves_no_temporary_files()
    {
        string path = temp.Write("m.jsonl", "old content\n");

        ManifestWriter.WriteJsonl(path, [new Utterance("u", temp.Combine("u.wav"), "new")]);

        Assert.Equal(["m.jsonl"], Directory.GetFiles(temp.Root).Select(Path.GetFileName));
        Assert.Equal("{\"id\":\"u\",\"audio\":\"u.wav\",\"text\":\"new\"}\n", File.ReadAllText(path));
    }

    [Fact]
    public void Repeated_ids_are_refused()
    {
        Utterance u = new("u", "/u.wav", "x");

        Assert.Throws<ArgumentException>(() => ManifestWriter.WriteJsonl(temp.Combine("m.jsonl"), [u, u]));
    }
}
