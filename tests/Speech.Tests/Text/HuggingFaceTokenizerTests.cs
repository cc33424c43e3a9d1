using System.Text.Json;
using Cluster.Speech.Text;

namespace Cluster.Speech.Tests.Text;

/// <summary>
/// Loading Hugging Face files (generated here from the upstream rank file) gives the tiktoken tokenizer exactly, and
/// files that disagree with themselves or with Whisper's layout are refused with the file and line.
/// </summary>
public sealed class HuggingFaceTokenizerTests : IClassFixture<HuggingFaceTokenizerTests.MultilingualFiles>
{
    private readonly MultilingualFiles _files;

    public HuggingFaceTokenizerTests(MultilingualFiles files)
    {
        _files = files;
    }

    /// <summary>vocab.json and merges.txt of the multilingual vocabulary, written once for the class.</summary>
    public sealed class MultilingualFiles : IDisposable
    {
        private readonly TempDirectory _directory = new();

        public MultilingualFiles()
        {
            HuggingFaceFiles.WriteFromTiktoken(TokenizerFixtures.MultilingualRankFile, _directory.Path);
        }

        public string Vocab => _directory.File("vocab.json");

        public string Merges => _directory.File("merges.txt");

        /// <summary>A directory holding copies of the two files, for a test to add to or spoil.</summary>
        internal TempDirectory Copy()
        {
            var copy = new TempDirectory();
            File.Copy(Vocab, copy.File("vocab.json"));
            File.Copy(Merges, copy.File("merges.txt"));
            return copy;
        }

        public void Dispose() => _directory.Dispose();
    }

    [Fact]
    public void The_test_writer_uses_GPT2s_byte_alphabet()
    {
        Assert.Equal("\u0120", HuggingFaceFiles.Spell([(byte)' ']));
        Assert.Equal("\u010A", HuggingFaceFiles.Spell([(byte)'\n']));
        Assert.Equal("\u0100", HuggingFaceFiles.Spell([0]));
        Assert.Equal("\u0143", HuggingFaceFiles.Spell([0xAD]));
        Assert.Equal("Ã©", HuggingFaceFiles.Spell("é"u8.ToArray()));
        Assert.Equal("Ġt", File.ReadLines(_files.Merges).Skip(1).First().Replace(" ", ""));
    }

    [Fact]
    public void Hugging_Face_files_encode_and_decode_exactly_as_the_rank_file()
    {
        WhisperTokenizer fromHuggingFace = WhisperTokenizer.FromHuggingFace(Path.GetDirectoryName(_files.Vocab)!);
        WhisperTokenizer fromTiktoken = TokenizerFixtures.Multilingual;
        foreach ((string text, int[] ids, string decoded) in TokenizerFixtures.GoldenCases)
        {
            Assert.Equal(ids, fromHuggingFace.Encode(text));
            Assert.Equal(decoded, fromHuggingFace.Decode(ids));
        }
        foreach (string text in WhisperTokenizerTests.SampleTexts) Assert.Equal(fromTiktoken.Encode(text), fromHuggingFace.Encode(text));
        foreach ((string name, int id) in TokenizerFixtures.GoldenSpecialTokens) Assert.Equal(name, fromHuggingFace.Decode([id]));
        Assert.Equal(fromTiktoken.VocabularySize, fromHuggingFace.VocabularySize);
        Assert.Equal("", fromHuggingFace.Decode([50256]));
    }

    [Fact]
    public void Added_tokens_that_list_Cantonese_make_a_large_v3_tokenizer()
    {
        using TempDirectory directory = _files.Copy();
        var added = new Dictionary<string, int> { ["<|startoftranscript|>"] = 50258, ["<|en|>"] = 50259, ["<|yue|>"] = 50358, ["<|translate|>"] = 50359 };
        File.WriteAllText(directory.File("added_tokens.json"), JsonSerializer.Serialize(added));
        File.WriteAllText(directory.File("special_tokens_map.json"),
            """{"eos_token": {"content": "<|endoftext|>", "lstrip": false}, "additional_special_tokens": ["<|yue|>", "<|notimestamps|>"]}""");

        WhisperTokenizer v3 = WhisperTokenizer.FromHuggingFace(directory.Path);
        Assert.Equal(51866, v3.VocabularySize);
        Assert.Equal(50358, v3.LanguageToken("yue"));

        var error = Assert.Throws<InvalidDataException>(() => WhisperTokenizer.FromHuggingFace(directory.Path, numLanguages: 99));
        Assert.Contains("100 language tokens", error.Message);
    }

    [Fact]
    public void A_special_token_at_an_id_other_than_Whispers_is_refused_naming_the_file()
    {
        using TempDirectory directory = _files.Copy();
        File.WriteAllText(directory.File("tokenizer.json"),
            """{"added_tokens": [{"id": 50257, "content": "<|endoftext|>"}, {"id": 50400, "content": "<|startoftranscript|>"}]}""");
        var error = Assert.Throws<InvalidDataException>(() => WhisperTokenizer.FromHuggingFace(directory.Path));
        Assert.Contains("tokenizer.json", error.Message);
        Assert.Contains("'<|startoftranscript|>' has id 50400", error.Message);
        Assert.Contains("50258", error.Message);
    }

    [Fact]
    public void An_added_token_Whisper_does_not_have_is_refused()
    {
        using TempDirectory directory = _files.Copy();
        File.WriteAllText(directory.File("special_tokens_map.json"), """{"additional_special_tokens": ["<|speaker1|>"]}""");
        var error = Assert.Throws<InvalidDataException>(() => WhisperTokenizer.FromHuggingFace(directory.Path));
        Assert.Contains("special_tokens_map.json", error.Message);
        Assert.Contains("<|speaker1|>", error.Message);
    }

    [Fact]
    public void A_merge_list_out_of_rank_order_is_refused_with_its_line()
    {
        using TempDirectory directory = _files.Copy();
        List<string> lines = File.ReadLines(directory.File("merges.txt")).ToList();
        (lines[5], lines[6]) = (lines[6], lines[5]);
        File.WriteAllLines(directory.File("merges.txt"), lines);
        var error = Assert.Throws<InvalidDataException>(() => WhisperTokenizer.FromHuggingFace(directory.Path));
        Assert.Contains("merges.txt:7:", error.Message);
        Assert.Contains("disagree", error.Message);
    }

    [Fact]
    public void A_token_no_merge_makes_is_refused()
    {
        using TempDirectory directory = _files.Copy();
        List<string> lines = File.ReadLines(directory.File("merges.txt")).ToList();
        lines.RemoveAt(lines.Count - 1);
        File.WriteAllLines(directory.File("merges.txt"), lines);
        var error = Assert.Throws<InvalidDataException>(() => WhisperTokenizer.FromHuggingFace(directory.Path));
        Assert.Contains("vocab.json", error.Message);
        Assert.Contains("not made by any merge", error.Message);
    }

    [Fact]
    public void The_English_only_files_load_too()
    {
        using var directory = new TempDirectory();
        HuggingFaceFiles.WriteFromTiktoken(TokenizerFixtures.EnglishRankFile, directory.Path);
        WhisperTokenizer english = WhisperTokenizer.FromHuggingFace(directory.Path);
        Assert.Equal(50256, english.EndOfText);
        Assert.False(english.IsMultilingual);
        foreach (string text in WhisperTokenizerTests.SampleTexts)
            Assert.Equal(TokenizerFixtures.English.Encode(text), english.Encode(text));
    }
}
