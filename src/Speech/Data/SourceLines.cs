using System.Buffers;
using System.Text;

namespace Cluster.Speech.Data;

/// <summary>Streams the lines of a UTF-8 manifest without loading it whole (a Common Voice split can be gigabytes).</summary>
internal static class SourceLines
{
    // Throwing on bad bytes instead of substituting U+FFFD: a silently mangled transcript would train the model on
    // garbage, and only a per-line decode can say which line is broken.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Splits on '\n' alone and drops one '\r' before it, so Windows line ends read like Unix ones while a stray '\r'
    /// inside a transcript stays text rather than starting a phantom line. A leading byte-order mark is skipped.
    /// Lines that are not valid UTF-8 are reported and not returned.
    /// </summary>
    public static IEnumerable<SourceLine> Read(string path, ProblemList problems)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16,
            FileOptions.SequentialScan);
        byte[] chunk = new byte[1 << 16];
        var pending = new ArrayBufferWriter<byte>();
        int number = 0;
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            int start = 0;
            int newline;
            while ((newline = Array.IndexOf(chunk, (byte)'\n', start, read - start)) >= 0)
            {
                pending.Write(chunk.AsSpan(start, newline - start));
                string? text = Decode(pending.WrittenSpan, ++number, path, problems);
                pending.ResetWrittenCount();
                if (text is not null) yield return new SourceLine(number, text);
                start = newline + 1;
            }

            pending.Write(chunk.AsSpan(start, read - start));
        }

        if (pending.WrittenCount > 0)
        {
            string? last = Decode(pending.WrittenSpan, ++number, path, problems);
            if (last is not null) yield return new SourceLine(number, last);
        }
    }

    private static string? Decode(ReadOnlySpan<byte> bytes, int number, string path, ProblemList problems)
    {
        if (number == 1 && bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        if (bytes.EndsWith("\r"u8)) bytes = bytes[..^1];
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            problems.Add(path, number, "not valid UTF-8");
            return null;
        }
    }
}
