using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Cluster.Speech.Tests.Text;

/// <summary>
/// Writes Hugging Face tokenizer files (<c>vocab.json</c>, <c>merges.txt</c>) from a tiktoken rank file the way Hugging
/// Face's conversion does, independently of the loader under test: ids are the ranks, and each token of two or more
/// bytes gets the merge that makes it — the two parts left when its bytes are merged using only lower ranks.
/// </summary>
internal static class HuggingFaceFiles
{
    // GPT-2's bytes_to_unicode written out as its definition reads: the printable ranges keep their code points and
    // the remaining bytes, in increasing order, take U+0100, U+0101, ...
    private static readonly char[] CharOfByte = BuildCharOfByte();

    public static string Spell(byte[] bytes) => new(bytes.Select(b => CharOfByte[b]).ToArray());

    public static byte[][] ReadRanks(string rankFile) => File.ReadLines(rankFile)
        .Select(line => line.Split(' '))
        .OrderBy(f => int.Parse(f[1]))
        .Select(f => f[0] == "=" ? [] : Convert.FromBase64String(f[0]))
        .ToArray();

    /// <summary>Writes vocab.json (with <c>&lt;|endoftext|&gt;</c> after the ranks, as Whisper's has it) and merges.txt.</summary>
    public static void WriteFromTiktoken(string rankFile, string directory)
    {
        byte[][] tokens = ReadRanks(rankFile);
        var vocab = new List<(string Spelling, int Id)>();
        for (int id = 0; id < tokens.Length; id++) vocab.Add((Spell(tokens[id]), id));
        vocab.Add(("<|endoftext|>", tokens.Length));
        WriteVocab(Path.Combine(directory, "vocab.json"), vocab);

        var rankOf = new Dictionary<string, int>();
        for (int id = 0; id < tokens.Length; id++) rankOf[Convert.ToHexString(tokens[id])] = id;
        var merges = new List<string> { "#version: 0.2" };
        for (int id = 0; id < tokens.Length; id++)
        {
            if (tokens[id].Length < 2) continue;
            List<byte[]> parts = MergeBelow(tokens[id], id, rankOf);
            if (parts.Count != 2) throw new InvalidOperationException($"Rank {id} is not made by one merge.");
            merges.Add($"{Spell(parts[0])} {Spell(parts[1])}");
        }
        File.WriteAllLines(Path.Combine(directory, "merges.txt"), merges);
    }

    /// <summary>vocab.json with one entry per line, non-ASCII written as itself.</summary>
    public static void WriteVocab(string path, IEnumerable<(string Spelling, int Id)> entries)
    {
        using FileStream stream = File.Create(path);
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        writer.WriteStartObject();
        foreach ((string spelling, int id) in entries) writer.WriteNumber(spelling, id);
        writer.WriteEndObject();
    }

    private static List<byte[]> MergeBelow(byte[] token, int maxRank, Dictionary<string, int> rankOf)
    {
        var parts = token.Select(b => new[] { b }).ToList();
        while (true)
        {
            int best = -1, bestRank = maxRank;
            for (int i = 0; i + 1 < parts.Count; i++)
            {
                if (rankOf.TryGetValue(Convert.ToHexString([.. parts[i], .. parts[i + 1]]), out int rank) && rank < bestRank)
                {
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) return parts;
            parts[best] = [.. parts[best], .. parts[best + 1]];
            parts.RemoveAt(best + 1);
        }
    }

    private static char[] BuildCharOfByte()
    {
        var table = new char[256];
        var printable = Enumerable.Range('!', '~' - '!' + 1).Concat(Enumerable.Range(0xA1, 0xAC - 0xA1 + 1))
            .Concat(Enumerable.Range(0xAE, 0xFF - 0xAE + 1)).ToHashSet();
        int next = 256;
        for (int b = 0; b < 256; b++) table[b] = printable.Contains(b) ? (char)b : (char)next++;
        return table;
    }
}
