using Cluster.Speech.Features;
using Xunit.Abstractions;

namespace Cluster.Speech.Tests.Features;

/// <summary>Features of the fixture clips against what openai/whisper's audio.py computed from the same samples.</summary>
public class LogMelGoldenTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("jfk", 80, true)]
    [InlineData("jfk", 128, true)]
    [InlineData("jfk", 80, false)]
    [InlineData("jfk", 128, false)]
    [InlineData("chirp", 80, true)]
    [InlineData("chirp", 128, true)]
    [InlineData("chirp", 80, false)]
    [InlineData("chirp", 128, false)]
    public void LogMel_matches_whisper_within_1e_4(string clip, int melBins, bool padded)
    {
        var golden = WhisperGolden.Load(clip);
        var expected = golden.Features[$"log_mel_{melBins}_{(padded ? "30s" : "unpadded")}"];
        var extractor = new LogMelSpectrogram(new LogMelOptions { NMels = melBins, PadOrTrimTo30Seconds = padded });

        var actual = extractor.Compute(golden.Pcm); // [n_mels, frames]

        var frames = padded ? 3000 : golden.Pcm.Length / 160;
        Assert.Equal(frames, extractor.FrameCount(golden.Pcm.Length));
        Assert.Equal(melBins * frames, expected.Length);
        Assert.Equal(expected.Length, actual.Length);
        var maxError = 0.0;
        var worst = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var error = Math.Abs(expected[i] - actual[i]);
            if (error > maxError) (maxError, worst) = (error, i);
        }
        output.WriteLine($"{clip} n_mels={melBins} {(padded ? "30s" : "unpadded")}: max |error| = {maxError:E2} at [{worst / frames}, {worst % frames}]");
        Assert.True(maxError <= 1e-4, $"max |error| = {maxError:E2} at [mel {worst / frames}, frame {worst % frames}]");
    }
}
