using Cluster.Speech.Audio;
using Cluster.Torch;

namespace Cluster.Speech.Tests.Audio;

/// <summary>The reader against the samples upstream Whisper fed its log-Mel front end (Fixtures/README.md).</summary>
public sealed class WhisperFixtureTests
{
    private static readonly string Fixtures = Path.Combine(AppContext.BaseDirectory, "Fixtures");
    private static readonly string JfkWav = Path.Combine(Fixtures, "whisper", "jfk.wav");
    private static readonly string JfkFlac = Path.Combine(Fixtures, "whisper-assets", "jfk.flac");

    [Theory]
    [InlineData("jfk")]
    [InlineData("chirp")]
    public void Reading_the_wav_gives_exactly_whispers_pcm(string name)
    {
        var tensors = torch.load_safetensors(Path.Combine(Fixtures, "whisper", $"{name}.logmel.safetensors"));
        try
        {
            var expected = tensors["pcm"].ToArray<float>();

            var read = AudioFile.Read(Path.Combine(Fixtures, "whisper", $"{name}.wav"));

            Assert.Equal(16000, read.SampleRate);
            Assert.Equal(1, read.Channels);
            Assert.Equal(expected, read.Samples);
        }
        finally
        {
            foreach (var tensor in tensors.Values) tensor.Dispose();
        }
    }

    [Fact]
    public void Probing_jfk_wav_reports_its_header()
    {
        var info = AudioFile.Probe(JfkWav);

        Assert.Equal((16000, 1, 176000L), (info.SampleRate, info.Channels, info.Frames));
        Assert.Equal(11.0, info.Duration);
        Assert.Equal("WAV (Microsoft), Signed 16 bit PCM", info.Format);
    }

    /// <summary>
    /// jfk.wav is what ffmpeg made of jfk.flac (44.1 kHz, 24-bit stereo) at 16 kHz mono, rounded to 16 bits.
    /// Here libsndfile decodes, the channels are averaged and libsoxr resamples: another resampler, so not
    /// bit-identical, but the same signal (observed: correlation 0.9999999, SNR 73.6 dB, largest
    /// difference 1.3e-3 against peaks of 0.78; 16-bit rounding alone accounts for 1.5e-5).
    /// </summary>
    [Fact]
    public void Jfk_flac_resampled_to_16k_matches_jfk_wav_closely()
    {
        var info = AudioFile.Probe(JfkFlac);
        var reference = AudioFile.Read(JfkWav).Samples;

        var read = AudioFile.Read(JfkFlac);

        Assert.Equal((44100, 2, 485100L), (info.SampleRate, info.Channels, info.Frames));
        Assert.Equal(16000, read.SampleRate);
        Assert.Equal(reference.Length, read.Frames);
        Assert.InRange(Signal.Correlation(reference, read.Samples), 0.99999, 1);
        Assert.InRange(Signal.SnrDecibels(reference, read.Samples), 70, double.MaxValue);
        Assert.InRange(Signal.MaxAbsDifference(reference, read.Samples), 0, 2e-3);
    }
}
