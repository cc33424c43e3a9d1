namespace Cluster.Speech.Imaging;

/// <summary>
/// Matplotlib's viridis colormap: perceptually uniform, so equal steps in dB look like equal steps in colour, and
/// readable in greyscale and by colour-blind readers. Computed from a degree-6 polynomial fit of the original table
/// (Matt Zucker's fit, within about 0.02 of the original entries) rather than carrying the 256 × 3 numbers.
/// </summary>
internal static class Viridis
{
    private static readonly double[][] Coefficients =
    [
        [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
        [0.1050930431085774, 1.404613529898575, 1.384590162594685],
        [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
        [-4.634230498983486, -5.799100973351585, -19.33244095627987],
        [6.228269936347081, 14.17993336680509, 56.69055260068105],
        [4.776384997670288, -13.74514537774601, -65.35303263337234],
        [-5.435455855934631, 4.645852612178535, 26.3124352495832],
    ];

    // Sampled once: a plot colours hundreds of thousands of pixels, and 256 levels are all 8-bit output can show.
    private static readonly Rgb[] Table = [.. Enumerable.Range(0, 256).Select(i => Evaluate(i / 255.0))];

    /// <summary>The colour of <paramref name="t"/> in [0, 1] (clamped; NaN is the bottom colour).</summary>
    public static Rgb At(double t)
    {
        double clamped = double.IsNaN(t) ? 0 : Math.Clamp(t, 0, 1);
        return Table[(int)Math.Round(clamped * 255)];
    }

    private static Rgb Evaluate(double t)
    {
        Span<double> channel = stackalloc double[3];
        for (int c = 0; c < 3; c++)
        {
            // Horner's rule from the highest power down.
            double value = 0;
            for (int power = Coefficients.Length - 1; power >= 0; power--) value = value * t + Coefficients[power][c];
            channel[c] = value;
        }

        return Rgb.FromUnit(channel[0], channel[1], channel[2]);
    }
}
