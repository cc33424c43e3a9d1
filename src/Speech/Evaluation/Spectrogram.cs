using Cluster.Torch;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// A magnitude spectrogram in dB for plots: torch.stft with a 512-point periodic Hann window and hop 128 (32 ms and
/// 8 ms at 16 kHz: fine enough in frequency to show harmonics, in time to show syllables), 20·log10 of the
/// magnitude. Values are laid out bin by bin, [bin, frame], bin 0 the lowest frequency.
/// </summary>
internal sealed class Spectrogram
{
    public const int FftSize = 512;
    public const int Hop = 128;

    // Digital silence becomes -200 dB instead of -inf, which the plot's 80 dB clipping then puts at the bottom.
    private const double MagnitudeFloor = 1e-10;

    private Spectrogram(float[] decibels, int bins, int frames)
    {
        Decibels = decibels;
        Bins = bins;
        Frames = frames;
    }

    public float[] Decibels { get; }

    public int Bins { get; }

    public int Frames { get; }

    public float this[int bin, int frame] => Decibels[bin * Frames + frame];

    public float Max => Decibels.Max();

    public static Spectrogram Compute(ReadOnlySpan<float> samples)
    {
        // torch.stft's centring reflects half a window at each end, which needs more samples than that.
        var padded = new float[Math.Max(samples.Length, FftSize)];
        samples.CopyTo(padded);
        using DisposeScope scope = torch.NewDisposeScope();
        Tensor window = torch.hann_window(FftSize);
        Tensor spectrum = torch.stft(torch.from_array(padded), FftSize, Hop, window: window, return_complex: true); // [bins, frames]
        Tensor decibels = spectrum.abs().clamp_min(MagnitudeFloor).log10() * 20;
        return new Spectrogram(decibels.ToArray<float>(), (int)decibels.size(0), (int)decibels.size(1));
    }
}
