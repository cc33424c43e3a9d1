using System.Text;
using System.Text.RegularExpressions;
using Cluster.Speech.Text;

namespace Cluster.Speech.Tests.Text;

/// <summary>
/// The tokenizer reproduces tiktoken with Whisper's rank files: golden encodings and decodings, the special-token
/// layout, and the pre-tokenizer's split.
/// </summary>
public sealed partial class WhisperTokenizerTests
{
    private static WhisperTokenizer Multilingual => TokenizerFixtures.Multilingual;

    [Fact]
    public void Every_golden_case_encodes_to_its_ids_and_decodes_back()
    {
        int cases = 0;
        foreach ((string text, int[] ids, string decoded) in TokenizerFixtures.GoldenCases)
        {
            Assert.Equal(ids, Multilingual.Encode(text));
            Assert.Equal(ids.Length, Multilingual.CountTokens(text));
            Assert.Equal(decoded, Multilingual.Decode(ids));
            Assert.Equal(text, Multilingual.Decode(ids));
            cases++;
        }
        Assert.Equal(10, cases);
    }

    [Fact]
    public void Every_golden_special_token_has_the_golden_id()
    {
        foreach ((string name, int id) in TokenizerFixtures.GoldenSpecialTokens)
        {
            Assert.Equal(name, Multilingual.Decode([id]));
            Assert.True(Multilingual.IsSpecial(id));
        }
        Assert.Equal(TokenizerFixtures.Golden.GetProperty("n_vocab").GetInt32(), Multilingual.VocabularySize);
        Assert.Equal(TokenizerFixtures.Golden.GetProperty("first_timestamp").GetInt32(), Multilingual.TimestampBegin);
    }

    [Fact]
    public void Named_special_tokens_sit_where_the_design_says()
    {
        WhisperTokenizer t = Multilingual;
        Assert.Equal(
            [50257, 50258, 50259, 50260, 50358, 50359, 50360, 50361, 50362, 50363, 50364],
            [t.EndOfText, t.StartOfTranscript, t.LanguageToken("en"), t.LanguageToken("zh"), t.Translate, t.Transcribe,
             t.StartOfLm, t.StartOfPrevious, t.NoSpeech, t.NoTimestamps, t.TimestampBegin]);
        Assert.Equal(t.Translate, t.TaskToken(WhisperTask.Translate));
        Assert.Equal(t.Transcribe, t.TaskToken(WhisperTask.Transcribe));
        Assert.True(t.IsMultilingual);
        Assert.Equal(99, t.LanguageCodes.Count);
        Assert.Equal("su", t.LanguageCodes[^1]);
        Assert.Equal(100, WhisperTokenizer.AllLanguageCodes.Count);
        Assert.Equal(["en", "zh", "de"], WhisperTokenizer.AllLanguageCodes.Take(3));
        Assert.Equal("yue", WhisperTokenizer.AllLanguageCodes[^1]);
        Assert.Equal("<|0.02|><|1.00|><|30.00|>", t.Decode([50365, 50364 + 50, t.VocabularySize - 1]));
        Assert.False(t.IsSpecial(t.EndOfText - 1));
        Assert.False(t.IsSpecial(t.VocabularySize));
    }

    [Theory]
    [InlineData(51865, 51865)]
    [InlineData(51866, 51866)]
    [InlineData(51864, 51864)]
    public void The_bundled_files_give_the_tokenizer_of_each_vocabulary(int modelVocabulary, int tokenizerVocabulary)
    {
        var bundled = WhisperTokenizer.Bundled(modelVocabulary);

        Assert.Equal(tokenizerVocabulary, bundled.VocabularySize);
        var reference = modelVocabulary == 51864 ? TokenizerFixtures.English : Multilingual;
        Assert.Equal(reference.Encode("Hello, 今天天气很好"), bundled.Encode("Hello, 今天天气很好"));
    }

    [Fact]
    public void Large_v3_has_a_hundredth_language_and_one_more_token()
    {
        var v3 = WhisperTokenizer.FromTiktoken(TokenizerFixtures.MultilingualRankFile, numLanguages: 100);
        Assert.Equal(51866, v3.VocabularySize);
        Assert.Equal(50358, v3.LanguageToken("yue"));
        Assert.Equal(50359, v3.Translate);
        Assert.Equal(50365, v3.TimestampBegin);
        Assert.Equal(Multilingual.Encode("饗饗全品項攻略"), v3.Encode("饗饗全品項攻略"));
        Assert.Throws<ArgumentException>(() => Multilingual.LanguageToken("yue"));
    }

    [Theory]
    [InlineData(51865, 99)]
    [InlineData(51866, 100)]
    [InlineData(51864, 99)]
    public void The_language_count_follows_from_the_model_vocabulary_size(int modelVocabularySize, int languages)
    {
        Assert.Equal(languages, WhisperTokenizer.LanguageCountForVocabulary(modelVocabularySize));
    }

    [Fact]
    public void A_vocabulary_size_no_Whisper_model_has_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WhisperTokenizer.LanguageCountForVocabulary(50000));
        Assert.Throws<ArgumentOutOfRangeException>(() => WhisperTokenizer.FromTiktoken(TokenizerFixtures.MultilingualRankFile, 101));
    }

    [Fact]
    public void The_English_only_vocabulary_starts_its_specials_at_50256()
    {
        WhisperTokenizer english = TokenizerFixtures.English;
        Assert.Equal(50256, english.EndOfText);
        Assert.Equal(50257, english.StartOfTranscript);
        Assert.Equal(50258, english.LanguageToken("en"));
        Assert.Equal(50357, english.Translate);
        Assert.Equal(50358, english.Transcribe);
        Assert.Equal(50362, english.NoTimestamps);
        Assert.Equal(50363, english.TimestampBegin);
        Assert.Equal(51864, english.VocabularySize);
        Assert.False(english.IsMultilingual);

        // GPT-2's own ids: " hello" is 23748 and " world" 995.
        Assert.Equal([23748, 995], english.Encode(" hello world"));
        int[] ids = english.Encode("And so my fellow Americans, ask not what your country can do for you.");
        Assert.Equal("And so my fellow Americans, ask not what your country can do for you.", english.Decode(ids));
    }

    [Fact]
    public void Unknown_language_codes_are_rejected_by_code()
    {
        var error = Assert.Throws<ArgumentException>(() => Multilingual.LanguageToken("xx"));
        Assert.Contains("'xx'", error.Message);
        Assert.Throws<ArgumentException>(() => Multilingual.LanguageToken("transcribe"));
        Assert.Throws<ArgumentException>(() => Multilingual.LanguageToken("EN"));
    }

    [Fact]
    public void Decoding_can_skip_special_tokens()
    {
        int[] ids = [Multilingual.StartOfTranscript, Multilingual.LanguageToken("zh"), Multilingual.Transcribe,
            Multilingual.TimestampBegin, .. Multilingual.Encode("你好"), Multilingual.EndOfText];
        Assert.Equal("<|startoftranscript|><|zh|><|transcribe|><|0.00|>你好<|endoftext|>", Multilingual.Decode(ids));
        Assert.Equal("你好", Multilingual.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void A_character_cut_between_tokens_decodes_to_replacement_characters_as_in_Python()
    {
        // "，" is the three byte-level tokens 171 120 234 (EF BC 8C); Python's errors="replace" gives one U+FFFD for
        // the two-byte prefix, and one per byte that cannot start a sequence.
        Assert.Equal("\uFFFD", Multilingual.Decode([171, 120]));
        Assert.Equal("，", Multilingual.Decode([171, 120, 234]));
        Assert.Equal("\uFFFD\uFFFD", Multilingual.Decode([120, 234]));
        Assert.Equal("a\uFFFD<|endoftext|>", Multilingual.Decode([64, 171, 120, Multilingual.EndOfText]));
    }

    [Fact]
    public void Ids_outside_the_vocabulary_cannot_be_decoded()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Multilingual.Decode([-1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Multilingual.Decode([Multilingual.VocabularySize]));
    }

    [Fact]
    public void Special_token_spellings_in_text_are_encoded_as_plain_text()
    {
        int[] ids = Multilingual.Encode("<|endoftext|>");
        Assert.DoesNotContain(Multilingual.EndOfText, ids);
        Assert.All(ids, id => Assert.True(id < Multilingual.EndOfText));
        Assert.Equal("<|endoftext|>", Multilingual.Decode(ids));
    }

    [Fact]
    public void Repeated_encodings_are_stable()
    {
        // The second pass is served from the piece cache.
        foreach ((string text, int[] ids, _) in TokenizerFixtures.GoldenCases) Assert.Equal(ids, Multilingual.Encode(text));
        Assert.Empty(Multilingual.Encode(""));
    }

    [Fact]
    public void Lone_surrogates_encode_as_the_replacement_character_as_tiktoken_does()
    {
        Assert.Equal(Multilingual.Encode("a\uFFFDb"), Multilingual.Encode("a\uD800b"));
    }

    [Fact]
    public void Letters_outside_the_BMP_are_letters_to_the_pre_tokenizer()
    {
        // U+20000 is a letter (Lo), so tiktoken's pattern splits "𠀀's" into "𠀀" and the contraction "'s" (311).
        // Classifying UTF-16 units, as .NET's Regex does, would see two surrogates (Cs) and take "𠀀'" then "s".
        Assert.Equal([172, 254, 222, 222, 311], Multilingual.Encode("\U00020000's"));
    }

    /// <summary>Texts within the BMP in many scripts and spacing patterns.</summary>
    internal static readonly string[] SampleTexts =
    [
        "Hello world", "  leading spaces, tabs\tand\nnewlines  ", "I'm sure they'll say it's 'fine' — we've seen it.",
        "'s 're 'x ''ll '", "a  b   c\n\n\nd \n e", "Numbers: 3.14159, 2025-11-10, $1,234.56 and 50% off!!",
        "今天天氣很好，我們去台北101看看吧！", "x\u00A0y\u3000z\u2028 w", "①②③ ½ Ⅻ", "  ", " ", "\n", "end with space ",
        "!!!???... ...", "don't DON'T Don'T", "\r\n\r\nx", "Привет, мир! Καλημέρα κόσμε", "こんにちは世界、カタカナ",
        "مرحبا بالعالم", "नमस्ते दुनिया", "ąęłńóśźż ĄĘŁŃÓŚŹŻ", "tab\t\tx", "a\u0301b\u0327"
    ];

    public static TheoryData<string> BmpTexts()
    {
        var data = new TheoryData<string>();
        foreach (string text in SampleTexts) data.Add(text);
        return data;
    }

    /// <summary>
    /// Within the BMP, .NET's Regex classifies characters as tiktoken does, so the split pattern run through it, with
    /// a plainly written lowest-rank-first merge over each piece, is an independent reference for the whole encoder.
    /// </summary>
    [Theory]
    [MemberData(nameof(BmpTexts))]
    public void Within_the_BMP_encodings_equal_a_regex_and_naive_merge_reference(string text)
    {
        int[] expected = GptPattern().Matches(text)
            .SelectMany(m => ReferenceBpe.Encode(Encoding.UTF8.GetBytes(m.Value))).ToArray();
        Assert.Equal(expected, Multilingual.Encode(text));
        Assert.Equal(text, Multilingual.Decode(expected));
    }

    [GeneratedRegex(@"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+")]
    private static partial Regex GptPattern();

    /// <summary>Byte-pair encoding as the definition reads: merge the adjacent pair of lowest rank until none is a token.</summary>
    private static class ReferenceBpe
    {
        private static readonly Lazy<Dictionary<string, int>> Ranks = new(() => File.ReadLines(TokenizerFixtures.MultilingualRankFile)
            .Select(line => line.Split(' '))
            .ToDictionary(f => Convert.ToHexString(f[0] == "=" ? [] : Convert.FromBase64String(f[0])), f => int.Parse(f[1])));

        public static IEnumerable<int> Encode(byte[] bytes)
        {
            var parts = bytes.Select(b => new[] { b }).ToList();
            while (true)
            {
                int best = -1, bestRank = int.MaxValue;
                for (int i = 0; i + 1 < parts.Count; i++)
                {
                    if (Ranks.Value.TryGetValue(Convert.ToHexString([.. parts[i], .. parts[i + 1]]), out int rank) && rank < bestRank)
                    {
                        best = i;
                        bestRank = rank;
                    }
                }
                if (best < 0) return parts.Select(p => Ranks.Value[Convert.ToHexString(p)]);
                parts[best] = [.. parts[best], .. parts[best + 1]];
                parts.RemoveAt(best + 1);
            }
        }
    }
}
