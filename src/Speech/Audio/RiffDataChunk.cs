using System.Buffers.Binary;

namespace Cluster.Speech.Audio;

/// <summary>
/// Reads the size a RIFF/WAVE file declares for its 'data' chunk. libsndfile quietly shortens a data
/// chunk that runs past the end of the file (it only logs it), so a cut-off download would otherwise
/// read as a shorter, valid recording.
/// </summary>
internal static class RiffDataChunk
{
    // Real files carry a handful of chunks (fmt, fact, LIST, bext...); stop walking garbage early.
    private const int MaxChunksBeforeData = 256;

    /// <summary>The declared byte size of the data chunk; null if it is not a RIFF/WAVE file or the writer left the size open (streamed, 0 or 0xFFFFFFFF).</summary>
    public static long? DeclaredSize(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
        Span<byte> header = stackalloc byte[12];
        if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) < header.Length) return null;
        if (!header[..4].SequenceEqual("RIFF"u8) || !header[8..].SequenceEqual("WAVE"u8)) return null;
        Span<byte> chunk = stackalloc byte[8];
        for (var i = 0; i < MaxChunksBeforeData; i++)
        {
            if (stream.ReadAtLeast(chunk, chunk.Length, throwOnEndOfStream: false) < chunk.Length) return null;
            var size = BinaryPrimitives.ReadUInt32LittleEndian(chunk[4..]);
            if (chunk[..4].SequenceEqual("data"u8)) return size is 0 or uint.MaxValue ? null : size;
            // Chunks are padded to an even length.
            stream.Seek(size + (size & 1), SeekOrigin.Current);
        }
        return null;
    }
}
