using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Batching;

internal static class TestWav
{
    /// <summary>A float WAV (read back exactly as written); NaN/Inf samples are kept, as a damaged recording has them.</summary>
    public static string Write(string path, float[] samples)
    {
        int bad = Array.FindIndex(samples, s => !float.IsFinite(s));
        float[] finite = (float[])samples.Clone();
        if (bad >= 0) finite[bad] = 0;
        AudioFile.WriteWav(path, finite, 16000, format: WavSampleFormat.Float32);
        if (bad >= 0) Damage(path, bad, samples[bad]);
        return path;
    }

    // The writer refuses NaN/Inf, as it should; a damaged file is made by patching the sample in the data chunk.
    private static void Damage(string path, int index, float value)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int data = bytes.AsSpan().IndexOf("data"u8) + 8;
        BitConverter.TryWriteBytes(bytes.AsSpan(data + 4 * index, 4), value);
        File.WriteAllBytes(path, bytes);
    }
}
