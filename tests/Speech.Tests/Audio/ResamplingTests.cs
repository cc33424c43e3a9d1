using Cluster.Speech.Audio;

namespace Cluster.Speech.Tests.Audio;

public sealed class ResamplingTests : IDisposable
{
    private readonly TemporaryFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(44100)]
    [InlineData(48000)]
    [InlineData(8000)]
    [InlineData(22050)]
    public void Reading_resamples_to_16k_keeping_the_tone_and_the_length(int sampleRate)
    {
        var samples = Signal.Sine(440, sampleRate, seconds: 1.37);
        var path = _folder.File($"tone{sampleRate}.wav");
        AudioFile.WriteWav(path, samples, sampleRate, 1, WavSampleFormat.Float32);

        var read = AudioFile.Read(path);

        Assert.Equal(16000, read.SampleRate);
        Assert.InRange(read.Frames, Expected(samples.Length, sampleRate) - 1, Expected(samples.Length, sampleRate) + 1);
        Assert.Equal(440, Signal.ZeroCrossingFrequency(read.Samples, 16000), 0.5);
        // Against the tone computed directly at 16 kHz, away from the edges where the filter starts and stops.
        var ideal = Signal.Sine(440, 16000, seconds: (double)read.Frames / 16000);
        Assert.InRange(Signal.MaxAbsDifference(ideal.AsSpan(400, read.Frames - 800), read.Samples.AsSpan(400, read.Frames - 800)), 0, 1e-3);
    }

    [Theory]
    [InlineData(44100, 16000)]
    [InlineData(48000, 16000)]
    [InlineData(8000, 16000)]
    [InlineData(16000, 44100)]
    public void One_shot_resampling_keeps_the_tone_and_the_length(int inputRate, int outputRate)
    {
        var samples = Signal.Sine(1000, inputRate, seconds: 0.8);

        var output = Resampler.Resample(samples, inputRate, outputRate);

        Assert.InRange(output.Length, Expected(samples.Length, inputRate, outputRate) - 1, Expected(samples.Length, inputRate, outputRate) + 1);
        Assert.Equal(1000, Signal.ZeroCrossingFrequency(output, outputRate), 0.5);
    }

    [Theory]
    [InlineData(44100, 1)]
    [InlineData(48000, 2)]
    [InlineData(8000, 1)]
    public void Streaming_in_uneven_chunks_matches_one_shot_after_the_warm_up(int inputRate, int channels)
    {
        var mono = Signal.Noise(inputRate * 3, seed: inputRate, amplitude: 0.5);
        var samples = channels == 1 ? mono : Signal.Interleave(mono, Signal.Sine(300, inputRate, 3));
        var oneShot = Resampler.Resample(samples, inputRate, 16000, channels);

        var streamed = new List<float>();
        using (var resampler = new Resampler(inputRate, 16000, channels))
        {
            var random = new Random(1);
            for (var position = 0; position < samples.Length;)
            {
                var frames = Math.Min(random.Next(1, 5000), (samples.Length - position) / channels);
                streamed.AddRange(resampler.Process(samples.AsSpan(position, frames * channels)).ToArray());
                position += frames * channels;
            }
            streamed.AddRange(resampler.Flush().ToArray());
        }

        Assert.Equal(oneShot.Length, streamed.Count);
        Assert.Equal(Expected(samples.Length / channels, inputRate) * channels, streamed.Count);
        // soxr_oneshot treats the first and last filter lengths differently; past them the two agree.
        var warmUp = 200 * channels;
        var body = oneShot.Length - 2 * warmUp;
        Assert.InRange(Signal.MaxAbsDifference(oneShot.AsSpan(warmUp, body), streamed.ToArray().AsSpan(warmUp, body)), 0, 1e-4);
    }

    [Fact]
    public void A_flushed_resampler_takes_no_more_input()
    {
        using var resampler = new Resampler(44100, 16000);
        resampler.Process(new float[1000].AsSpan());
        resampler.Flush();

        Assert.Throws<InvalidOperationException>(() => resampler.Process(new float[10].AsSpan()));
    }

    [Fact]
    public void Stereo_is_downmixed_to_the_average_of_the_channels()
    {
        var left = Signal.Sine(440, 16000, 1, amplitude: 0.6);
        var right = Signal.Noise(16000, seed: 2, amplitude: 0.3);
        var path = _folder.File("stereo.wav");
        AudioFile.WriteWav(path, Signal.Interleave(left, right), 16000, channels: 2, WavSampleFormat.Float32);

        var mono = AudioFile.Read(path);
        var stereo = AudioFile.Read(path, new AudioReadOptions { Mono = false });

        Assert.Equal(1, mono.Channels);
        Assert.Equal(left.Zip(right, (l, r) => (l + r) / 2).ToArray(), mono.Samples);
        Assert.Equal(2, stereo.Channels);
        Assert.Equal(Signal.Interleave(left, right), stereo.Samples);
    }

    [Fact]
    public void Stereo_is_resampled_channel_by_channel_when_kept()
    {
        var path = _folder.File("stereo44.wav");
        AudioFile.WriteWav(path, Signal.Interleave(Signal.Sine(440, 44100, 1), Signal.Sine(1000, 44100, 1)), 44100, channels: 2, WavSampleFormat.Float32);

        var read = AudioFile.Read(path, new AudioReadOptions { Mono = false });

        Assert.Equal((16000, 2, 16000), (read.SampleRate, read.Channels, read.Frames));
        Assert.Equal(440, Signal.ZeroCrossingFrequency(Signal.Channel(read.Samples, 2, 0), 16000), 0.5);
        Assert.Equal(1000, Signal.ZeroCrossingFrequency(Signal.Channel(read.Samples, 2, 1), 16000), 0.5);
    }

    private static int Expected(int frames, int inputRate, int outputRate = 16000) =>
        (int)Math.Round((double)frames * outputRate / inputRate);
}
