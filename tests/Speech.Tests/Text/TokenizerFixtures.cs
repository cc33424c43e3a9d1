using System.Text.Json;
using Cluster.Speech.Text;

namespace Cluster.Speech.Tests.Text;

/// <summary>The upstream rank files and the golden cases produced from them with tiktoken (see Fixtures/README.md).</summary>
internal static class TokenizerFixtures
{
    public static readonly string MultilingualRankFile = Fixture("whisper-assets", "multilingual.tiktoken");

    public static readonly string EnglishRankFile = Fixture("whisper-assets", "gpt2.tiktoken");

    private static readonly Lazy<WhisperTokenizer> LazyMultilingual = new(() => WhisperTokenizer.FromTiktoken(MultilingualRankFile));

    private static readonly Lazy<WhisperTokenizer> LazyEnglish = new(() => WhisperTokenizer.FromTiktoken(EnglishRankFile));

    private static readonly Lazy<JsonElement> LazyGolden = new(() =>
        JsonDocument.Parse(File.ReadAllText(Fixture("tokenizer", "multilingual_cases.json"))).RootElement);

    /// <summary>Loading parses 50k lines, so tests share one instance (tokenizers are immutable).</summary>
    public static WhisperTokenizer Multilingual => LazyMultilingual.Value;

    public static WhisperTokenizer English => LazyEnglish.Value;

    public static JsonElement Golden => LazyGolden.Value;

    public static IEnumerable<(string Text, int[] Ids, string Decoded)> GoldenCases =>
        Golden.GetProperty("cases").EnumerateArray().Select(c => (
            c.GetProperty("text").GetString()!,
            c.GetProperty("ids").EnumerateArray().Select(id => id.GetInt32()).ToArray(),
            c.GetProperty("decoded").GetString()!));

    public static IEnumerable<(string Name, int Id)> GoldenSpecialTokens =>
        Golden.GetProperty("special_tokens").EnumerateObject().Select(p => (p.Name, p.Value.GetInt32()));

    public static string Fixture(params string[] parts) =>
        Path.Combine([AppContext.BaseDirectory, "Fixtures", .. parts]);
}
