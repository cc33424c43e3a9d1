namespace Cluster.Speech.Audio;

/// <summary>Cheap looks at a file's first bytes, to give a precise reason when no decoder accepts it.</summary>
internal static class AudioFileSniffer
{
    private const int SniffBytes = 512;

    /// <summary>
    /// True when the start of the file reads as text (a saved HTML error page, a transcript given the
    /// wrong name): no NUL byte and almost no control characters, which random or audio bytes always have.
    /// </summary>
    public static bool LooksLikeText(string path)
    {
        Span<byte> start = stackalloc byte[SniffBytes];
        int length;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1))
            length = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        if (length == 0) return false;
        var control = 0;
        foreach (var b in start[..length])
        {
            if (b == 0) return false;
            if (b < 0x20 && b is not ((byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0C)) control++;
        }
        return control * 100 <= length; // at most 1 %
    }
}
