using static Cluster.Torch.torch;
using Cluster.Torch;

namespace Cluster.Coordinator.Demo;

/// <summary>
/// A generated audio task for the demo: which of eight close tones (third-octave steps, each detuned
/// by up to ±4 %) is buried in a noisy 0.25 s clip at about -10 dB SNR?
/// Clips are made on the fly from a seed, so the demo needs no data on disk.
/// </summary>
public sealed class ToneTask(ulong seed)
{
    public const int SampleRate = 8000;
    public const int ClipSamples = 2000;
    public const int FftSize = 256;
    public const int FeatureSize = FftSize / 2 + 1;
    public static readonly double[] ClassFrequencies = [400, 500, 630, 800, 1000, 1250, 1600, 2000];

    private readonly Generator generator = new(seed);

    public int ClassCount => ClassFrequencies.Length;

    /// <summary>A batch of log-power spectra [B, FeatureSize] and class labels [B].</summary>
    public (Tensor features, Tensor labels) NextBatch(int batchSize)
    {
        using var scope = NewDisposeScope();
        var labels = randint(0, ClassFrequencies.Length, [batchSize], generator: generator);
        var frequencies = tensor(ClassFrequencies).index_select(0, labels);                     // [B]
        var jitter = rand([batchSize], DType.Float64, generator: generator) * 0.08 + 0.96;       // ±4 %
        var phase = rand([batchSize, 1], DType.Float64, generator: generator) * (2 * Math.PI);
        var time = arange(ClipSamples, DType.Float64) / SampleRate;                             // [T]
        var angle = (frequencies * jitter).unsqueeze(1) * time.unsqueeze(0) * (2 * Math.PI) + phase; // [B, T]
        var amplitude = rand([batchSize, 1], DType.Float64, generator: generator) * 0.9 + 0.1;
        var noise = randn([batchSize, ClipSamples], DType.Float64, generator: generator) * (amplitude * 3); // ≈ -9.5 dB SNR
        var waveform = (angle.sin() * amplitude * Math.Sqrt(2) + noise).@float();
        var features = LogPowerSpectrum(waveform);
        return (features.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>Mean log power per frequency bin over the clip: [B, T] → [B, FeatureSize].</summary>
    public static Tensor LogPowerSpectrum(Tensor waveform)
    {
        using var scope = NewDisposeScope();
        var window = hann_window(FftSize);
        var spectrum = stft(waveform, FftSize, hop_length: FftSize / 4, window: window, return_complex: true); // [B, F, frames]
        var power = spectrum.abs().square();
        var logPower = (power + 1e-6).log().mean(-1);                                                           // [B, F]
        var normalized = (logPower - logPower.mean(-1, keepdim: true)) / (logPower.std(-1, keepdim: true) + 1e-5);
        return normalized.MoveToOuterDisposeScope();
    }
}
