using Cluster.Speech.Features;
using Xunit.Abstractions;

namespace Cluster.Speech.Tests.Features;

public class MelFilterBankTests(ITestOutputHelper output)
{
    private static readonly string FiltersPath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "whisper-assets", "mel_filters.npz");

    [Theory]
    [InlineData(80)]
    [InlineData(128)]
    public void Slaney_filterbank_equals_whisper_mel_filters_npz(int melBins)
    {
        var (shape, expected) = Npz.ReadFloat32(FiltersPath)[$"mel_{melBins}"];
        Assert.Equal(new long[] { melBins, 201 }, shape);

        var bank = MelFilterBank.Slaney(melBins, sampleRate: 16000, nFft: 400);
        var dense = bank.ToDense(); // [n_mels, 201]

        Assert.Equal(melBins, bank.MelBins);
        Assert.Equal(201, bank.FrequencyBins);
        var maxError = expected.Zip(dense, (e, a) => Math.Abs(e - a)).Max();
        output.WriteLine($"mel_{melBins}: max |error| = {maxError:E2}");
        Assert.True(maxError <= 1e-6, $"max |error| = {maxError:E2}");
    }

    [Fact]
    public void Sparse_runs_hold_every_non_zero_weight()
    {
        var (_, expected) = Npz.ReadFloat32(FiltersPath)["mel_80"];
        var bank = MelFilterBank.Slaney(80);
        var stored = Enumerable.Range(0, 80).Sum(m => bank.Weights(m).Length);
        // Whisper's filters are contiguous triangles: the runs hold the non-zeros and nothing else.
        Assert.Equal(expected.Count(w => w != 0f), stored);
        Assert.All(Enumerable.Range(0, 80), m => Assert.True(bank.Weights(m)[0] > 0f && bank.Weights(m)[^1] > 0f));
    }
}
