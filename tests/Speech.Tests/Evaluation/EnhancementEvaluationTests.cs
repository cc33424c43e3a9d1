using System.Text.Json;
using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;
using Cluster.Speech.Tests.Data;

namespace Cluster.Speech.Tests.Evaluation;

public sealed class EnhancementEvaluationTests : IDisposable
{
    private const int Pairs = 6;
    private const int Rate = 16000;

    private readonly TempDirectory _folder = new();
    private readonly EnhancementManifest _manifest;

    public EnhancementEvaluationTests()
    {
        // Clean: a harmonic tone per pair (different pitch and length); noisy: clean + white noise at 0 dB.
        var pairs = new List<EnhancementPair>();
        for (int k = 0; k < Pairs; k++)
        {
            int length = Rate + k * 1600;
            double pitch = 140 + 35 * k;
            float[] clean = new float[length];
            for (int i = 0; i < length; i++)
            {
                double t = (double)i / Rate;
                clean[i] = (float)(0.25 * (Math.Sin(2 * Math.PI * pitch * t) + 0.5 * Math.Sin(4 * Math.PI * pitch * t)
                    + 0.25 * Math.Sin(6 * Math.PI * pitch * t)) * (0.6 + 0.4 * Math.Sin(2 * Math.PI * 1.5 * t)));
            }

            float[] noisy = Validation.SpeechLike.Add(clean, Validation.SpeechLike.NoiseAt(clean, 0, seed: 100 + k));
            string id = $"spk{k}/utt {k}";
            Directory.CreateDirectory(_folder.Combine("clean/" + $"spk{k}"));
            Directory.CreateDirectory(_folder.Combine("noisy/" + $"spk{k}"));
            AudioFile.WriteWav(_folder.Combine($"clean/{id}.wav"), clean, Rate);
            AudioFile.WriteWav(_folder.Combine($"noisy/{id}.wav"), noisy, Rate);
            pairs.Add(new EnhancementPair(id, _folder.Combine($"noisy/{id}.wav"), _folder.Combine($"clean/{id}.wav")));
        }

        _manifest = new EnhancementManifest("generated tones", pairs);
    }

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_identity_improves_nothing()
    {
        EnhancementReport report = EnhancementEvaluation.Run(_manifest, Rate, new Identity());

        Assert.All(report.Results, r => Assert.Equal(0, r.SiSnrImprovement));
        Assert.Equal(new MetricSummary(Pairs, 0, 0, 0), report.SiSnrImprovement);
        // White noise at 0 dB: SI-SNR and SNR of the mixture are close to 0 dB.
        Assert.InRange(report.SiSnrNoisy.Mean, -0.2, 0.2);
        Assert.InRange(report.SnrEnhanced.Mean, -0.2, 0.2);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void The_oracle_improves_by_the_epsilon_ceiling()
    {
        EnhancementReport report = EnhancementEvaluation.Run(_manifest, Rate, new Oracle(_manifest), new EnhancementEvaluationOptions { BatchSize = 4 });

        Assert.Equal(Pairs, report.Results.Count);
        Assert.True(report.SiSnrImprovement.Mean > 80, $"mean SI-SNRi {report.SiSnrImprovement.Mean}");
        Assert.True(report.SiSnrEnhanced.Median > 80);
        Assert.True(report.SnrEnhanced.Median > 80);
        Assert.Empty(report.Warnings);
    }

    [Fact]
    public void Partial_denoising_ranks_the_best_and_worst_and_summarizes_correctly()
    {
        // Pair k keeps this fraction of its noise: SI-SNRi ≈ −20·log10(fraction).
        double[] residual = [0.5, 0.1, 1, 0.02, 0.25, 0.05];
        EnhancementReport report = EnhancementEvaluation.Run(_manifest, Rate, new Residual(_manifest, residual),
            new EnhancementEvaluationOptions { BatchSize = 4, PlotCount = 2 });

        for (int k = 0; k < Pairs; k++) Assert.Equal(-20 * Math.Log10(residual[k]), report.Results[k].SiSnrImprovement, 0.3);
        Assert.Equal(["spk3/utt 3", "spk5/utt 5"], report.Best.Select(e => e.Result.Id));
        Assert.Equal(["spk2/utt 2", "spk0/utt 0"], report.Worst.Select(e => e.Result.Id));
        Assert.Equal(_manifest.Pairs[3].Id, report.Best[0].Result.Id);
        Assert.Equal(report.Results[3], report.Best[0].Result);

        double[] improvements = [.. report.Results.Select(r => r.SiSnrImprovement)];
        double mean = improvements.Average();
        Assert.Equal(Pairs, report.SiSnrImprovement.Count);
        Assert.Equal(mean, report.SiSnrImprovement.Mean, 9);
        Assert.Equal(Math.Sqrt(improvements.Sum(x => (x - mean) * (x - mean)) / Pairs), report.SiSnrImprovement.StandardDeviation, 9);
        double[] sorted = [.. improvements.Order()];
        Assert.Equal((sorted[2] + sorted[3]) / 2, report.SiSnrImprovement.Median, 9);
    }

    [Fact]
    public void A_mis_scaled_output_and_a_useless_one_are_flagged()
    {
        EnhancementReport scaled = EnhancementEvaluation.Run(_manifest, Rate, new Scaled(new Oracle(_manifest), 0.1f));
        EnhancementReport garbage = EnhancementEvaluation.Run(_manifest, Rate, new Garbage());

        // Right waveform at a tenth of the level: perfect SI-SNR, SNR 10·log10(1/0.81) ≈ 0.9 dB.
        Assert.True(scaled.SiSnrEnhanced.Median > 80);
        Assert.Equal(0.915, scaled.SnrEnhanced.Median, 0.05);
        Assert.Contains(scaled.Warnings, w => w.Contains("wrong level", StringComparison.Ordinal));
        Assert.True(garbage.SiSnrImprovement.Mean < -10);
        Assert.Contains(garbage.Warnings, w => w.Contains("further from the clean speech", StringComparison.Ordinal));
    }

    [Fact]
    public void Pairs_of_different_length_are_refused_and_unrelated_pairs_are_flagged()
    {
        var mismatched = new EnhancementManifest("mismatched", [_manifest.Pairs[0] with { CleanPath = _manifest.Pairs[1].CleanPath }]);
        var error = Assert.Throws<InvalidDataException>(() => EnhancementEvaluation.Run(mismatched, Rate, new Identity()));
        Assert.Contains("spk0/utt 0", error.Message);

        // A noisy file paired with noise of the same length: the mixture has nothing to do with its reference.
        var unrelated = new EnhancementManifest("unrelated", [_manifest.Pairs[0] with { CleanPath = WriteNoise("unrelated.wav", Rate) }]);
        EnhancementReport report = EnhancementEvaluation.Run(unrelated, Rate, new Identity());
        Assert.True(report.SiSnrNoisy.Median < -20, $"{report.SiSnrNoisy.Median}");
        Assert.Contains(report.Warnings, w => w.Contains("do not look like mixtures", StringComparison.Ordinal));
    }

    [Fact]
    public void An_enhancer_breaking_the_contract_is_an_error()
    {
        Assert.Throws<InvalidOperationException>(() => EnhancementEvaluation.Run(_manifest, Rate, new Truncating()));
        var error = Assert.Throws<InvalidOperationException>(() => EnhancementEvaluation.Run(_manifest, Rate, new Scaled(new Identity(), float.NaN)));
        Assert.Contains("non-finite", error.Message);
    }

    [Fact]
    public void Report_folder_holds_the_CSV_summaries_and_decodable_plots()
    {
        double[] residual = [0.5, 0.1, 1, 0.02, 0.25, 0.05];
        EnhancementReport report = EnhancementEvaluation.Run(_manifest, Rate, new Residual(_manifest, residual),
            new EnhancementEvaluationOptions { PlotCount = 2 });
        string output = _folder.Combine("report");

        report.Write(output);

        Assert.Equal(["summary.json", "summary.md", "utterances.csv"], Directory.GetFiles(output).Select(Path.GetFileName).Order());
        string[] plots = [.. Directory.GetFiles(Path.Combine(output, "plots")).Select(Path.GetFileName).Order()!];
        Assert.Equal(["best-01-spk3_utt_3.png", "best-02-spk5_utt_5.png", "worst-01-spk2_utt_2.png", "worst-02-spk0_utt_0.png"], plots);

        List<string[]> csv = Rfc4180.Parse(File.ReadAllText(Path.Combine(output, "utterances.csv")));
        Assert.Equal(["id", "si_snr_noisy", "si_snr_enhanced", "si_snri", "snr_enhanced"], csv[0]);
        Assert.Equal(Pairs + 1, csv.Count);
        Assert.Equal("spk3/utt 3", csv[4][0]);
        Assert.Equal(report.Results[3].SiSnrImprovement, double.Parse(csv[4][3], System.Globalization.CultureInfo.InvariantCulture), 5);

        using JsonDocument json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "summary.json")));
        JsonElement si = json.RootElement.GetProperty("metrics").GetProperty("si_snri");
        Assert.Equal(report.SiSnrImprovement.Mean, si.GetProperty("mean").GetDouble(), 9);
        Assert.Equal(report.SiSnrImprovement.Median, si.GetProperty("median").GetDouble(), 9);
        Assert.Equal("plots/worst-01-spk2_utt_2.png", json.RootElement.GetProperty("worst")[0].GetProperty("plot").GetString());
        string markdown = File.ReadAllText(Path.Combine(output, "summary.md"));
        Assert.Contains("| si_snri |", markdown);
        Assert.Contains("(plots/best-01-spk3_utt_3.png)", markdown);

        foreach (string plot in plots)
        {
            PlotPng png = PlotPng.Decode(File.ReadAllBytes(Path.Combine(output, "plots", plot)));
            Assert.Equal((EnhancementPlot.Width, EnhancementPlot.Height), (png.Width, png.Height));
            Assert.InRange(png.Inked(), 0.2, 0.95);
        }
    }

    [Fact]
    public void Summary_of_a_few_numbers()
    {
        Assert.Equal(new MetricSummary(4, 2.5, Math.Sqrt(1.25), 2.5), MetricSummary.Of([4, 1, 3, 2]));
        Assert.Equal(new MetricSummary(3, 3, Math.Sqrt(2), 2), MetricSummary.Of([2, 5, 2]));
        Assert.Equal(0, MetricSummary.Of([]).Count);
        Assert.True(double.IsNaN(MetricSummary.Of([]).Mean));
    }

    private string WriteNoise(string name, int length)
    {
        float[] noise = Validation.SpeechLike.NoiseAt(Enumerable.Repeat(0.2f, length).ToArray(), 0, seed: 77);
        AudioFile.WriteWav(_folder.Combine(name), noise, Rate);
        return _folder.Combine(name);
    }

    private sealed class Identity : IEnhancer
    {
        public IReadOnlyList<float[]> Enhance(IReadOnlyList<float[]> noisy16k) => [.. noisy16k.Select(x => (float[])x.Clone())];
    }

    /// <summary>Returns each pair's clean recording, found by position: evaluation goes through the manifest in order.</summary>
    private class Oracle(EnhancementManifest manifest) : IEnhancer
    {
        private int _next;

        public IReadOnlyList<float[]> Enhance(IReadOnlyList<float[]> noisy16k) =>
            [.. noisy16k.Select(noisy => Output(noisy, AudioFile.Read(manifest.Pairs[_next].CleanPath).Samples, _next++))];

        protected virtual float[] Output(float[] noisy, float[] clean, int index) => clean;
    }

    /// <summary>clean + fraction·(noisy − clean): a denoiser that removes all but that fraction of the noise.</summary>
    private sealed class Residual(EnhancementManifest manifest, double[] fractions) : Oracle(manifest)
    {
        protected override float[] Output(float[] noisy, float[] clean, int index) =>
            [.. clean.Zip(noisy, (c, n) => (float)(c + fractions[index] * (n - c)))];
    }

    private sealed class Scaled(IEnhancer inner, float gain) : IEnhancer
    {
        public IReadOnlyList<float[]> Enhance(IReadOnlyList<float[]> noisy16k) =>
            [.. inner.Enhance(noisy16k).Select(x => x.Select(v => v * gain).ToArray())];
    }

    private sealed class Garbage : IEnhancer
    {
        public IReadOnlyList<float[]> Enhance(IReadOnlyList<float[]> noisy16k) =>
            [.. noisy16k.Select((x, k) => Validation.SpeechLike.NoiseAt(x, 0, seed: 500 + x.Length + k))];
    }

    private sealed class Truncating : IEnhancer
    {
        public IReadOnlyList<float[]> Enhance(IReadOnlyList<float[]> noisy16k) => [.. noisy16k.Select(x => x[..^1])];
    }
}
