using System.Text;
using System.Text.Json;

namespace Cluster.Speech.Text;

/// <summary>
/// Reads a Hugging Face byte-level BPE tokenizer directory into tiktoken form: token bytes indexed by id, plus the
/// special tokens the files name (with their ids where the file gives one) for the caller to check.
/// </summary>
/// <remarks>
/// <c>vocab.json</c> spells each token's bytes through GPT-2's byte-to-unicode table and gives its id, which is the
/// tiktoken rank. Encoding then runs tiktoken's rank-based merging, so <c>merges.txt</c> is not needed to encode; it is
/// checked instead, because Hugging Face merges by merge-list order: the two agree only when every multi-byte token
/// is made by exactly one merge and merges come in increasing id order, and a file pair that breaks this is rejected
/// rather than tokenized differently from the model's training.
/// </remarks>
internal static class HuggingFaceTokenizerFiles
{
    /// <summary>A special token a file names; <see cref="Source"/> is the file, with the line where known.</summary>
    internal readonly record struct SpecialToken(string Name, int? Id, string Source);

    private static readonly Dictionary<char, byte> ByteOfChar = ByteLevelAlphabet();

    public static (byte[][] Tokens, IReadOnlyList<SpecialToken> Specials) Load(string directory, IReadOnlySet<string> specialNames)
    {
        string vocabPath = Path.Combine(directory, "vocab.json");
        var specials = new List<SpecialToken>();
        var idOfSpelling = new Dictionary<string, int>(StringComparer.Ordinal);
        var byId = new Dictionary<int, byte[]>();
        foreach ((string spelling, int id, int line) in ReadIdObject(vocabPath))
        {
            if (specialNames.Contains(spelling))
            {
                specials.Add(new SpecialToken(spelling, id, $"{vocabPath}:{line}"));
                continue;
            }
            byte[] bytes = Unspell(spelling) ?? throw new InvalidDataException(
                $"{vocabPath}:{line}: token '{spelling}' has a character outside GPT-2's byte-level alphabet.");
            if (!byId.TryAdd(id, bytes)) throw new InvalidDataException($"{vocabPath}:{line}: id {id} is given twice.");
            idOfSpelling.Add(spelling, id);
        }

        var tokens = new byte[byId.Count][];
        for (int id = 0; id < tokens.Length; id++)
        {
            if (!byId.TryGetValue(id, out byte[]? bytes))
                throw new InvalidDataException($"{vocabPath}: the ids of byte-level tokens must run 0..{tokens.Length - 1} without gaps; id {id} is missing.");
            tokens[id] = bytes;
        }

        CheckMerges(Path.Combine(directory, "merges.txt"), idOfSpelling, tokens, vocabPath);

        string addedPath = Path.Combine(directory, "added_tokens.json");
        if (File.Exists(addedPath))
        {
            foreach ((string name, int id, int line) in ReadIdObject(addedPath))
                specials.Add(new SpecialToken(name, id, $"{addedPath}:{line}"));
        }
        string mapPath = Path.Combine(directory, "special_tokens_map.json");
        if (File.Exists(mapPath))
        {
            using JsonDocument map = ParseDocument(mapPath);
            foreach (string name in SpecialTokenStrings(map.RootElement)) specials.Add(new SpecialToken(name, null, mapPath));
        }
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        if (File.Exists(tokenizerPath))
        {
            using JsonDocument tokenizer = ParseDocument(tokenizerPath);
            foreach ((string name, int id) in AddedTokens(tokenizer.RootElement, tokenizerPath))
                specials.Add(new SpecialToken(name, id, tokenizerPath));
        }
        return (tokens, specials);
    }

    private static void CheckMerges(string path, Dictionary<string, int> idOfSpelling, byte[][] tokens, string vocabPath)
    {
        var made = new bool[tokens.Length];
        int previous = -1;
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)) continue;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw Error(path, lineNumber, $"expected two tokens separated by one space, found '{line}'");
            foreach (string part in parts)
            {
                if (!idOfSpelling.ContainsKey(part)) throw Error(path, lineNumber, $"'{part}' is not a token of {vocabPath}");
            }
            if (!idOfSpelling.TryGetValue(parts[0] + parts[1], out int id))
                throw Error(path, lineNumber, $"merging '{line}' makes '{parts[0] + parts[1]}', which is not a token of {vocabPath}");
            if (id <= previous)
                throw Error(path, lineNumber, $"merge '{line}' makes id {id}, not after the previous merge's id {previous}, so merge order and ranks disagree");
            made[id] = true;
            previous = id;
        }

        for (int id = 0; id < tokens.Length; id++)
        {
            if (tokens[id].Length >= 2 && !made[id])
                throw new InvalidDataException($"{vocabPath}: token id {id} is not made by any merge of {path}.");
        }
    }

    // A flat JSON object of token → id, with the line of each entry (Utf8JsonReader reports positions, not lines).
    private static List<(string Key, int Id, int Line)> ReadIdObject(string path)
    {
        byte[] json = File.ReadAllBytes(path);
        int offset = json.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0;
        var reader = new Utf8JsonReader(json.AsSpan(offset), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        var entries = new List<(string, int, int)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int line = 1;
        long counted = 0;
        int LineAt(long position)
        {
            line += json.AsSpan(offset + (int)counted, (int)(position - counted)).Count((byte)'\n');
            counted = position;
            return line;
        }

        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Error(path, LineAt(reader.TokenStartIndex), "expected a JSON object of token to id");
            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                int entryLine = LineAt(reader.TokenStartIndex);
                string key = reader.GetString()!;
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int id) || id < 0)
                    throw Error(path, LineAt(reader.TokenStartIndex), $"the id of '{key}' is not a non-negative integer");
                if (!seen.Add(key)) throw Error(path, entryLine, $"'{key}' appears twice");
                entries.Add((key, id, entryLine));
            }
        }
        catch (JsonException e)
        {
            throw Error(path, (int)(e.LineNumber ?? 0) + 1, e.Message);
        }
        return entries;
    }

    private static JsonDocument ParseDocument(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException e)
        {
            throw Error(path, (int)(e.LineNumber ?? 0) + 1, e.Message);
        }
    }

    // special_tokens_map.json values are a token, an object whose "content" is the token, or an array of either.
    private static IEnumerable<string> SpecialTokenStrings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => [element.GetString()!],
        JsonValueKind.Array => element.EnumerateArray().SelectMany(SpecialTokenStrings),
        JsonValueKind.Object when element.TryGetProperty("content", out JsonElement content) => SpecialTokenStrings(content),
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => SpecialTokenStrings(p.Value)),
        _ => [],
    };

    private static IEnumerable<(string Name, int Id)> AddedTokens(JsonElement root, string path)
    {
        if (!root.TryGetProperty("added_tokens", out JsonElement added)) yield break;
        if (added.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: \"added_tokens\" is not an array.");
        foreach (JsonElement token in added.EnumerateArray())
        {
            if (!token.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String
                || !token.TryGetProperty("id", out JsonElement id) || !id.TryGetInt32(out int value))
                throw new InvalidDataException($"{path}: an entry of \"added_tokens\" lacks a string \"content\" or an integer \"id\": {token}");
            yield return (content.GetString()!, value);
        }
    }

    private static byte[]? Unspell(string spelling)
    {
        var bytes = new byte[spelling.Length];
        for (int i = 0; i < spelling.Length; i++)
        {
            if (!ByteOfChar.TryGetValue(spelling[i], out bytes[i])) return null;
        }
        return bytes;
    }

    // GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for themselves; the other 68 bytes, in order, take
    // U+0100 onwards, so every byte has a visible character and none is whitespace.
    private static Dictionary<char, byte> ByteLevelAlphabet()
    {
        var map = new Dictionary<char, byte>();
        int next = 0x100;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map.Add(printable ? (char)b : (char)next++, (byte)b);
        }
        return map;
    }

    private static InvalidDataException Error(string path, int line, string problem) => new($"{path}:{line}: {problem}.");
}
