namespace Cluster.Speech.Audio;

/// <summary>
/// Whether an MP3 declares a constant bitrate. LAME and ffmpeg put a tag in the first frame: "Info" for a constant
/// bitrate, "Xing" for a variable one. libsndfile's bitrate-mode query answers "variable" for both (measured on
/// libsndfile 1.2.0), so the tag is read here. It decides how a segment is reached: at a constant bitrate every frame
/// has the same size and a seek lands on the sample; at a variable one libmpg123 places it from the Xing table of
/// contents, which can be thousands of frames off.
/// </summary>
internal static class MpegBitrateTag
{
    // The tag sits after the side information of the first frame: 4 + 9, 17 or 32 bytes in. Look a little further.
    private const int TagSearchBytes = 64;

    /// <summary>True only for an "Info" tag in the first MPEG frame; an untagged file may be either, so it is not trusted.</summary>
    public static bool DeclaresConstantBitrate(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096);
        Span<byte> id3 = stackalloc byte[10];
        long start = 0;
        if (stream.ReadAtLeast(id3, id3.Length, throwOnEndOfStream: false) == id3.Length && id3[..3].SequenceEqual("ID3"u8))
        {
            // An ID3v2 tag comes first: 10 header bytes, a 28-bit "syncsafe" size, and a 10-byte footer when flagged.
            long size = (id3[6] & 0x7f) << 21 | (id3[7] & 0x7f) << 14 | (id3[8] & 0x7f) << 7 | (id3[9] & 0x7f);
            start = 10 + size + ((id3[5] & 0x10) != 0 ? 10 : 0);
        }
        stream.Seek(start, SeekOrigin.Begin);
        Span<byte> frame = stackalloc byte[TagSearchBytes];
        int read = stream.ReadAtLeast(frame, frame.Length, throwOnEndOfStream: false);
        frame = frame[..read];
        bool frameSync = read >= 4 && frame[0] == 0xff && (frame[1] & 0xe0) == 0xe0;
        return frameSync && frame.IndexOf("Info"u8) >= 4;
    }
}
