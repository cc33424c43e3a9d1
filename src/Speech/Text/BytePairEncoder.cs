using System.Buffers;
using System.Collections.Concurrent;
using System.Text;

namespace Cluster.Speech.Text;

/// <summary>
/// tiktoken's rank-based byte-pair encoding: the UTF-8 bytes of each pre-tokenized piece start as single bytes, and
/// the adjacent pair whose concatenation has the lowest rank merges, leftmost first, until no concatenation is a token.
/// </summary>
/// <remarks>
/// Byte strings are keyed as Latin-1 strings (one char per byte) so lookups of spans go through the dictionary's
/// span-keyed alternate lookup without allocating. Thread-safe: the only mutable state is the piece cache.
/// </remarks>
internal sealed class BytePairEncoder
{
    // Words repeat heavily in transcripts, so remembering each piece's tokens skips most merging. The cap only guards
    // against unbounded growth on a huge corpus; clearing is cheaper than tracking recency and costs one re-merge.
    private const int CacheCapacity = 1 << 16;

    private const int StackBufferBytes = 256;

    private readonly byte[][] _tokens;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _ranks;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _cached;

    // Tracked separately because ConcurrentDictionary.Count takes every lock of the table.
    private int _cachedCount;

    /// <param name="tokens">Token bytes indexed by rank.</param>
    /// <param name="source">The file the ranks came from, for error messages.</param>
    /// <exception cref="InvalidDataException">A single byte has no token, so some text could not be encoded.</exception>
    public BytePairEncoder(byte[][] tokens, string source)
    {
        _tokens = tokens;
        var ranks = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        for (int rank = 0; rank < tokens.Length; rank++) ranks.Add(Encoding.Latin1.GetString(tokens[rank]), rank);
        for (int b = 0; b < 256; b++)
        {
            if (!ranks.ContainsKey(((char)b).ToString()))
                throw new InvalidDataException($"{source}: byte 0x{b:X2} has no token of its own, so byte-level BPE cannot encode every text.");
        }
        _ranks = ranks.GetAlternateLookup<ReadOnlySpan<char>>();
        _cached = _cache.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _tokens.Length;

    public byte[] TokenBytes(int rank) => _tokens[rank];

    /// <summary>Appends the ranks encoding <paramref name="text"/> (no special tokens) to <paramref name="output"/>.</summary>
    public void Encode(string text, List<int> output)
    {
        var pieces = new List<(int Start, int Length)>();
        PreTokenizer.Split(text, pieces);
        Span<byte> stackBytes = stackalloc byte[StackBufferBytes];
        char[]? rented = null;
        try
        {
            foreach ((int start, int length) in pieces)
            {
                ReadOnlySpan<char> piece = text.AsSpan(start, length);
                // Lone surrogates encode as U+FFFD, which is also what tiktoken substitutes for them.
                int byteCount = Encoding.UTF8.GetByteCount(piece);
                Span<byte> bytes = byteCount <= StackBufferBytes ? stackBytes : new byte[byteCount];
                bytes = bytes[..Encoding.UTF8.GetBytes(piece, bytes)];
                if (rented is null || rented.Length < bytes.Length)
                {
                    if (rented is not null) ArrayPool<char>.Shared.Return(rented);
                    rented = ArrayPool<char>.Shared.Rent(Math.Max(bytes.Length, StackBufferBytes));
                }
                Span<char> key = rented.AsSpan(0, bytes.Length);
                for (int i = 0; i < bytes.Length; i++) key[i] = (char)bytes[i];

                if (_ranks.TryGetValue(key, out int rank)) output.Add(rank);
                else output.AddRange(MergeCached(key));
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<char>.Shared.Return(rented);
        }
    }

    private int[] MergeCached(ReadOnlySpan<char> piece)
    {
        if (_cached.TryGetValue(piece, out int[]? ranks)) return ranks;
        ranks = Merge(piece);
        if (Interlocked.Increment(ref _cachedCount) > CacheCapacity)
        {
            _cache.Clear();
            Interlocked.Exchange(ref _cachedCount, 1);
        }
        _cached.TryAdd(piece, ranks);
        return ranks;
    }

    // tiktoken's byte_pair_merge: parts are delimited by start offsets; pairRank[k] is the rank of parts k and k+1
    // joined (int.MaxValue when that is no token). Merging k and k+1 removes boundary k+1 and re-ranks the neighbours.
    private int[] Merge(ReadOnlySpan<char> piece)
    {
        int count = piece.Length + 1;
        var starts = new int[count];
        var pairRank = new int[count];
        for (int k = 0; k < count; k++) starts[k] = k;
        for (int k = 0; k < count; k++) pairRank[k] = PairRank(piece, starts, count, k);

        while (true)
        {
            int best = -1;
            int bestRank = int.MaxValue;
            for (int k = 0; k < count - 1; k++)
            {
                if (pairRank[k] < bestRank)
                {
                    bestRank = pairRank[k];
                    best = k;
                }
            }
            if (best < 0) break;

            Array.Copy(starts, best + 2, starts, best + 1, count - best - 2);
            Array.Copy(pairRank, best + 2, pairRank, best + 1, count - best - 2);
            count--;
            pairRank[best] = PairRank(piece, starts, count, best);
            if (best > 0) pairRank[best - 1] = PairRank(piece, starts, count, best - 1);
        }

        var ranks = new int[count - 1];
        for (int k = 0; k < ranks.Length; k++) ranks[k] = _ranks[piece[starts[k]..starts[k + 1]]];
        return ranks;
    }

    private int PairRank(ReadOnlySpan<char> piece, int[] starts, int count, int k) =>
        k + 2 < count && _ranks.TryGetValue(piece[starts[k]..starts[k + 2]], out int rank) ? rank : int.MaxValue;
}
