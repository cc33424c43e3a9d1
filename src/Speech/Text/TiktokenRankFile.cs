using System.Globalization;
using System.Text;

namespace Cluster.Speech.Text;

/// <summary>
/// Reads a tiktoken rank file: one <c>base64(token bytes) rank</c> pair per line, blank lines ignored, as
/// <c>whisper/tokenizer.py</c> loads <c>multilingual.tiktoken</c> and <c>gpt2.tiktoken</c>.
/// </summary>
internal static class TiktokenRankFile
{
    /// <summary>The tokens indexed by rank. Ranks must run 0..N-1, each given once, and no token may repeat.</summary>
    /// <exception cref="InvalidDataException">A line is malformed; the message names the file and line.</exception>
    public static byte[][] Load(string path)
    {
        var tokens = new Dictionary<int, (byte[] Bytes, int Line)>();
        var rankOfToken = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string[] fields = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length != 2)
                throw Error(path, lineNumber, $"expected 'base64-token rank', found {fields.Length} field(s)");
            byte[] token = DecodeToken(fields[0]) ?? throw Error(path, lineNumber, $"'{fields[0]}' is not valid base64");
            if (!int.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out int rank))
                throw Error(path, lineNumber, $"rank '{fields[1]}' is not a non-negative integer");
            if (tokens.TryGetValue(rank, out var earlier))
                throw Error(path, lineNumber, $"rank {rank} was already given on line {earlier.Line}");
            if (!rankOfToken.TryAdd(Encoding.Latin1.GetString(token), rank))
                throw Error(path, lineNumber, $"token '{fields[0]}' already has rank {rankOfToken[Encoding.Latin1.GetString(token)]}");
            tokens.Add(rank, (token, lineNumber));
        }

        var byRank = new byte[tokens.Count][];
        for (int rank = 0; rank < byRank.Length; rank++)
        {
            if (!tokens.TryGetValue(rank, out var entry))
                throw new InvalidDataException($"{path}: ranks must run 0..{byRank.Length - 1} without gaps; rank {rank} is missing.");
            byRank[rank] = entry.Bytes;
        }
        return byRank;
    }

    private static byte[]? DecodeToken(string base64)
    {
        // Upstream's multilingual file gives its one empty token as a bare "=", which Python's lenient decoder reads as
        // no bytes and strict base64 rejects.
        if (base64 == "=") return [];
        var buffer = new byte[base64.Length * 3 / 4];
        return Convert.TryFromBase64String(base64, buffer, out int written) ? buffer[..written] : null;
    }

    private static InvalidDataException Error(string path, int line, string problem) => new($"{path}:{line}: {problem}.");
}
