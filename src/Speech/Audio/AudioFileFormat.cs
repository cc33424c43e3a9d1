namespace Cluster.Speech.Audio;

/// <summary>File formats <see cref="AudioFile.Write"/> produces, all through libsndfile.</summary>
public enum AudioFileFormat
{
    /// <summary>WAV, 16-bit PCM.</summary>
    Wav16,
    /// <summary>FLAC, 16-bit, lossless for 16-bit input.</summary>
    Flac,
    /// <summary>Ogg Vorbis (lossy).</summary>
    OggVorbis,
    /// <summary>Ogg Opus (lossy); Opus takes only 8, 12, 16, 24 or 48 kHz.</summary>
    OggOpus,
    /// <summary>MPEG-1/2 Layer III (lossy, LAME).</summary>
    Mp3,
}
