using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

public sealed class JsonlManifestReaderTests : IDisposable
{
    private readonly TempDirectory temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Reads_every_field_and_resolves_audio_against_the_manifest_folder()
    {
        string jsonl = temp.Write("m/train.jsonl",
            "{\"id\": \"u1\", \"audio\": \"wav/a.wav\", \"text\": \"你好\", \"duration\": 2.5, \"offset\": 10, \"speaker\": \"s\", \"language\": \"zh\", \"snr\": 5}\n" +
            "{\"audio\": \"/abs/b.wav\", \"text\": \"bye\", \"duration\": null}\n");

        Manifest manifest = JsonlManifestReader.Read(jsonl);

        Utterance expected = new("u1", temp.Combine("m/wav/a.wav"), "你好")
        {
            Duration = 2.5,
            Offset = 10,
            Speaker = "s",
            Language = "zh",
            Extra = new Dictionary<string, string> { ["snr"] = "5" },
        };
        Assert.Equal(expected, manifest.Utterances[0]);
        Assert.Equal(new Utterance("/abs/b.wav", "/abs/b.wav", "bye"), manifest.Utterances[1]);
    }

    [Fact]
    public void A_missing_audio_field_is_reported()
    {
        string jsonl = temp.Write("m.jsonl", "{\"audio\": \"a.wav\", \"text\": \"x\"}\n{\"text\": \"no audio\"}\n");

        Assert.Equal([(2, "missing required field 'audio'")], Problems.Lines(() => JsonlManifestReader.Read(jsonl)));
    }

    [Fact]
    public void A_missing_text_field_is_reported()
    {
        string jsonl = temp.Write("m.jsonl", "{\"audio\": \"a.wav\"}\n");

        Assert.Equal([(1, "missing required field 'text'")], Problems.Lines(() => JsonlManifestReader.Read(jsonl)));
    }

    [Fact]
    public void An_unparsable_duration_is_reported()
    {
        string jsonl = temp.Write("m.jsonl", "{\"audio\": \"a.wav\", \"text\": \"x\", \"duration\": \"3,5\"}\n");

        Assert.Equal([(1, "'duration' is not a number: '3,5'")], Problems.Lines(() => JsonlManifestReader.Read(jsonl)));
    }

    [Fact]
    public void A_negative_duration_is_reported()
    {
        string jsonl = temp.Write("m.jsonl", "\n{\"audio\": \"a.wav\", \"text\": \"x\", \"duration\": -0.5}\n");

        Assert.Equal([(2, "'duration' is negative: -0.5")], Problems.Lines(() => JsonlManifestReader.Read(jsonl)));
    }

    [Fact]
    public void A_negative_offset_is_reported()
    {
        string jsonl = temp.Write("m.jsonl", "{\"audio\": \"a.wav\", \"text\": \"x\", \"offset\": -1}\n");

        Assert.Equal([(1, "'offset' is negative: -1")], Problems.Lines(() => JsonlManifestReader.Read(jsonl)));
    }

    [Fact]
    public void Segments_of_one_file_without_ids_collide_on_the_default_id()
    {
        string jsonl = temp.Write("m.jsonl",
            "{\"audio\": \"long.wav\", \"text\": \"a\", \"offset\": 0}\n{\"audio\": \"long.wav\", \"text\": \"b\", \"offset\": 5}\n");

        Assert.Equal([(2, "duplicate id 'long.wav' (first on line 1)")], Problems.Lines(() => JsonlManifestReader.Read(jsonl)));
    }

    [Fact]
    public void A_line_that_is_not_json_is_reported()
    {
        string jsonl = temp.Write("m.jsonl", "{\"audio\": \"a.wav\", \"text\": \"x\"}\naudio=b.wav\n");

        (int? line, string reason) = Assert.Single(Problems.Lines(() => JsonlManifestReader.Read(jsonl)));

        Assert.Equal(2, line);
        Assert.StartsWith("not valid JSON: ", reason);
    }

    [Fact]
    public void A_field_given_twice_is_reported()
    {
        string jsonl = temp.Write("m.jsonl", "{\"audio\": \"a.wav\", \"text\": \"x\", \"text\": \"y\"}\n");

        Assert.Equal([(1, "field 'text' appears twice")], Problems.Lines(() => JsonlManifestReader.Read(jsonl)));
    }

    [Fact]
    public void An_empty_id_is_reported()
    {
        string jsonl = temp.Write("m.jsonl", "{\"id\": \"\", \"audio\": \"a.wav\", \"text\": \"x\"}\n");

        Assert.Equal([(1, "'id' is empty")], Problems.Lines(() => JsonlManifestReader.Read(jsonl)));
    }
}
