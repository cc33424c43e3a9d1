namespace Cluster.Speech.Audio;

/// <summary>
/// What a file holds, from its header. <see cref="Frames"/> is exact for files libsndfile reads
/// (WAV, FLAC, Ogg, MP3 with a Xing/LAME header); for containers decoded by ffmpeg it is derived
/// from the container's duration and may be off by a few frames.
/// </summary>
/// <param name="Format">The container and encoding, e.g. "WAV (Microsoft), Signed 16 bit PCM" or "matroska,webm, opus".</param>
public sealed record AudioInfo(int SampleRate, int Channels, long Frames, string Format)
{
    public double Duration => (double)Frames / SampleRate;
}
