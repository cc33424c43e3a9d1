namespace Cluster.Speech.Features;

/// <summary>
/// Slaney-style mel filterbank: librosa's <c>filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False,
/// norm='slaney')</c>, which is what Whisper's <c>mel_filters.npz</c> holds. Every triangular filter
/// covers a short run of FFT bins (at most 14 of 201 for Whisper), so the filters are kept as
/// (first bin, weights) runs: the product then costs about two multiply-adds per FFT bin instead of
/// one per bin and filter.
/// </summary>
public sealed class MelFilterBank
{
    // Slaney's scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above (27 mels per factor 6.4).
    private const double LinearHzPerMel = 200.0 / 3.0;
    private const double LogStartHz = 1000.0;
    private const double LogStartMel = LogStartHz / LinearHzPerMel;
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    private readonly int[] startBins;
    private readonly int[] offsets; // weights of filter m are weights[offsets[m]..offsets[m + 1]]
    private readonly float[] weights;

    private MelFilterBank(int frequencyBins, int[] startBins, int[] offsets, float[] weights)
    {
        FrequencyBins = frequencyBins;
        this.startBins = startBins;
        this.offsets = offsets;
        this.weights = weights;
    }

    /// <summary>Number of filters (output rows).</summary>
    public int MelBins => startBins.Length;

    /// <summary>Number of one-sided FFT bins the filters apply to (n_fft / 2 + 1).</summary>
    public int FrequencyBins { get; }

    /// <summary>
    /// Builds the filterbank as librosa does, in double precision, rounding each weight to float once.
    /// <paramref name="fMax"/> defaults to the Nyquist frequency.
    /// </summary>
    public static MelFilterBank Slaney(int melBins, int sampleRate = 16000, int nFft = 400, double fMin = 0.0, double? fMax = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(melBins, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(sampleRate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(nFft, 2);
        var top = fMax ?? sampleRate / 2.0;
        if (!(fMin >= 0 && fMin < top)) throw new ArgumentOutOfRangeException(nameof(fMin), fMin, $"need 0 <= fMin < fMax ({top} Hz)");

        var frequencyBins = nFft / 2 + 1;
        // Filter edges: melBins + 2 points evenly spaced in mel between fMin and fMax (np.linspace, last point exact).
        var lowMel = HzToMel(fMin);
        var highMel = HzToMel(top);
        var edges = new double[melBins + 2];
        var step = (highMel - lowMel) / (melBins + 1);
        for (var i = 0; i < edges.Length; i++) edges[i] = MelToHz(i == edges.Length - 1 ? highMel : lowMel + i * step);

        var startBins = new int[melBins];
        var offsets = new int[melBins + 1];
        var runs = new List<float>();
        var row = new float[frequencyBins];
        for (var m = 0; m < melBins; m++)
        {
            var lowerWidth = edges[m + 1] - edges[m];
            var upperWidth = edges[m + 2] - edges[m + 1];
            var norm = 2.0 / (edges[m + 2] - edges[m]); // Slaney: every filter has unit area
            for (var k = 0; k < frequencyBins; k++)
            {
                var hz = (double)k * sampleRate / nFft;
                var rising = (hz - edges[m]) / lowerWidth;
                var falling = (edges[m + 2] - hz) / upperWidth;
                row[k] = (float)(Math.Max(0.0, Math.Min(rising, falling)) * norm);
            }
            var first = Array.FindIndex(row, w => w != 0f);
            var last = Array.FindLastIndex(row, w => w != 0f);
            startBins[m] = Math.Max(first, 0);
            // Zeros inside a triangle cannot happen, so the run between the first and last non-zero is exact.
            if (first >= 0) runs.AddRange(row.AsSpan(first, last - first + 1));
            offsets[m + 1] = runs.Count;
        }
        return new MelFilterBank(frequencyBins, startBins, offsets, runs.ToArray());
    }

    /// <summary>First FFT bin with a non-zero weight in filter <paramref name="mel"/>.</summary>
    public int StartBin(int mel) => startBins[mel];

    /// <summary>The non-zero run of filter <paramref name="mel"/>, starting at <see cref="StartBin"/>.</summary>
    public ReadOnlySpan<float> Weights(int mel) => weights.AsSpan(offsets[mel], offsets[mel + 1] - offsets[mel]);

    /// <summary>The dense matrix, row-major, as in mel_filters.npz.</summary>
    public float[] ToDense()
    {
        var dense = new float[MelBins * FrequencyBins]; // [n_mels, n_fft / 2 + 1]
        for (var m = 0; m < MelBins; m++) Weights(m).CopyTo(dense.AsSpan(m * FrequencyBins + startBins[m]));
        return dense;
    }

    private static double HzToMel(double hz) =>
        hz >= LogStartHz ? LogStartMel + Math.Log(hz / LogStartHz) / LogStep : hz / LinearHzPerMel;

    private static double MelToHz(double mel) =>
        mel >= LogStartMel ? LogStartHz * Math.Exp(LogStep * (mel - LogStartMel)) : mel * LinearHzPerMel;
}
