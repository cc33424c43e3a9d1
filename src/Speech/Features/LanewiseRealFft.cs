using System.Numerics;
using System.Runtime.CompilerServices;

namespace Cluster.Speech.Features;

/// <summary>
/// Power spectra of <see cref="Vector{T}.Count"/> real frames at once, one frame per SIMD lane: every
/// butterfly is written as scalar code whose "scalars" are vectors, so no shuffles are needed and the
/// spectrum comes out as [bin][frame], which is already the [n_mels, frames] order of the features.
/// A real frame of n points is transformed as a complex FFT of n/2 points (even samples real, odd
/// samples imaginary) followed by the usual split; the complex FFT is a mixed-radix Stockham
/// autosort (radices 4, 2, 3, 5; Whisper's 200 = 4·2·5·5), so no bit reversal pass.
/// <para>
/// Double precision, because float32 is not enough for Whisper's 80 dB range: a bin 8 decades below
/// the loudest has a relative power error of about 2·eps·10⁴ ≈ 1e-3 in float32, which is 1e-4 in the
/// output. In double ours stays below 1e-7 (LogMelPrecisionTests), and what remains against the
/// float32 reference is its own rounding.
/// </para>
/// </summary>
internal sealed unsafe class LanewiseRealFft
{
    private readonly int[] radices;
    private readonly double[] twiddles;  // per stage, per p: (cos, -sin) of 2π·k·p/n for k = 1..r-1
    private readonly double[] splitTwiddles; // (cos, -sin) of 2π·k/size for k = 0..size/2

    public LanewiseRealFft(int size)
    {
        if (size < 4 || size % 2 != 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the real FFT needs an even size of at least 4");
        Size = size;
        radices = Factor(size / 2);

        var table = new List<double>();
        var n = size / 2;
        foreach (var r in radices)
        {
            var m = n / r;
            for (var p = 0; p < m; p++)
                for (var k = 1; k < r; k++)
                {
                    var angle = 2.0 * Math.PI * k * p / n;
                    table.Add(Math.Cos(angle));
                    table.Add(-Math.Sin(angle));
                }
            n = m;
        }
        twiddles = table.ToArray();

        splitTwiddles = new double[size + 2];
        for (var k = 0; k <= size / 2; k++)
        {
            var angle = 2.0 * Math.PI * k / size;
            splitTwiddles[2 * k] = Math.Cos(angle);
            splitTwiddles[2 * k + 1] = -Math.Sin(angle);
        }
    }

    /// <summary>Real points per frame.</summary>
    public int Size { get; }

    /// <summary>One-sided spectrum length, Size / 2 + 1.</summary>
    public int Bins => Size / 2 + 1;

    /// <summary>
    /// Transforms the frames held in <paramref name="re"/>/<paramref name="im"/> (Size / 2 vectors each:
    /// even and odd samples, lane = frame; both are overwritten) and writes 4·|X[k]|² for k = 0..Size/2
    /// to <paramref name="power"/>. The factor 4 saves a multiply per bin; callers fold 1/4 into what
    /// they do next. <paramref name="workRe"/>/<paramref name="workIm"/> are Size / 2 vectors of scratch.
    /// </summary>
    public void Power(Vector<double>* re, Vector<double>* im, Vector<double>* workRe, Vector<double>* workIm, Vector<double>* power)
    {
        var half = Size / 2;
        var n = half;
        var s = 1;
        fixed (double* allTwiddles = twiddles)
        {
            var w = allTwiddles;
            foreach (var r in radices)
            {
                var m = n / r;
                // The last stage (m = 1) only has p = 0, whose twiddles are all 1.
                if (m == 1) Stage<Unrotated>(r, re, im, workRe, workIm, m, s, w);
                else Stage<Rotated>(r, re, im, workRe, workIm, m, s, w);
                w += 2 * (r - 1) * m;
                var input = re; re = workRe; workRe = input; // ping-pong: the output feeds the next stage
                input = im; im = workIm; workIm = input;
                n = m;
                s *= r;
            }
        }

        // Split Z = FFT(even + i·odd) into the real frame's spectrum. With A = Z[k], C = Z[half - k]
        // (Z[half] is Z[0]), S = A + conj(C), T = W^k·(-i)·(A - conj(C)), W = e^(-2πi/Size):
        // 2·X[k] = S + T and 2·X[half - k] = conj(S - T), so one pass over k ≤ half / 2 gives both.
        fixed (double* split = splitTwiddles)
        {
            for (var k = 0; k <= half / 2; k++)
            {
                var c = k == 0 ? 0 : half - k;
                var sRe = re[k] + re[c];
                var sIm = im[k] - im[c];
                var dRe = re[k] - re[c];
                var dIm = im[k] + im[c];
                var cos = new Vector<double>(split[2 * k]);
                var sin = new Vector<double>(split[2 * k + 1]);
                var tRe = Vector.MultiplyAddEstimate(dIm, cos, dRe * sin);
                var tIm = Vector.MultiplyAddEstimate(dIm, sin, -(dRe * cos));
                var plusRe = sRe + tRe;
                var plusIm = sIm + tIm;
                power[k] = Vector.MultiplyAddEstimate(plusRe, plusRe, plusIm * plusIm);
                if (k == half - k) continue;
                var minusRe = sRe - tRe;
                var minusIm = sIm - tIm;
                power[half - k] = Vector.MultiplyAddEstimate(minusRe, minusRe, minusIm * minusIm);
            }
        }
    }

    private static void Stage<TRotation>(int radix, Vector<double>* xr, Vector<double>* xi, Vector<double>* yr, Vector<double>* yi, int m, int s, double* w)
        where TRotation : struct, IRotation
    {
        switch (radix)
        {
            case 2: Radix2<TRotation>(xr, xi, yr, yi, m, s, w); break;
            case 3: Radix3<TRotation>(xr, xi, yr, yi, m, s, w); break;
            case 4: Radix4<TRotation>(xr, xi, yr, yi, m, s, w); break;
            default: Radix5<TRotation>(xr, xi, yr, yi, m, s, w); break;
        }
    }

    // Stockham stage: inputs x[q + s·(p + m·j)], outputs y[q + s·(r·p + k)] = DFT_r(x)[k] · w_n^(k·p), n = r·m.

    private static void Radix2<TRotation>(Vector<double>* xr, Vector<double>* xi, Vector<double>* yr, Vector<double>* yi, int m, int s, double* w)
        where TRotation : struct, IRotation
    {
        for (var p = 0; p < m; p++, w += 2)
        {
            var w1 = new Twiddle(w[0], w[1]);
            for (var q = 0; q < s; q++)
            {
                int i0 = q + s * p, i1 = i0 + s * m;
                var ar = xr[i0]; var ai = xi[i0];
                var br = xr[i1]; var bi = xi[i1];
                int o = q + s * 2 * p;
                yr[o] = ar + br; yi[o] = ai + bi;
                TRotation.Store(ar - br, ai - bi, w1, yr + o + s, yi + o + s);
            }
        }
    }

    private static void Radix3<TRotation>(Vector<double>* xr, Vector<double>* xi, Vector<double>* yr, Vector<double>* yi, int m, int s, double* w)
        where TRotation : struct, IRotation
    {
        var half = new Vector<double>(-0.5);
        var sin60 = new Vector<double>((Math.Sqrt(3.0) / 2.0));
        for (var p = 0; p < m; p++, w += 4)
        {
            var w1 = new Twiddle(w[0], w[1]);
            var w2 = new Twiddle(w[2], w[3]);
            for (var q = 0; q < s; q++)
            {
                int i0 = q + s * p, i1 = i0 + s * m, i2 = i1 + s * m;
                var a0r = xr[i0]; var a0i = xi[i0];
                var t1r = xr[i1] + xr[i2]; var t1i = xi[i1] + xi[i2];
                var t2r = Vector.MultiplyAddEstimate(half, t1r, a0r); var t2i = Vector.MultiplyAddEstimate(half, t1i, a0i);
                var t3r = sin60 * (xr[i1] - xr[i2]); var t3i = sin60 * (xi[i1] - xi[i2]);
                int o = q + s * 3 * p;
                yr[o] = a0r + t1r; yi[o] = a0i + t1i;
                TRotation.Store(t2r + t3i, t2i - t3r, w1, yr + o + s, yi + o + s);         // t2 - i·t3
                TRotation.Store(t2r - t3i, t2i + t3r, w2, yr + o + 2 * s, yi + o + 2 * s); // t2 + i·t3
            }
        }
    }

    private static void Radix4<TRotation>(Vector<double>* xr, Vector<double>* xi, Vector<double>* yr, Vector<double>* yi, int m, int s, double* w)
        where TRotation : struct, IRotation
    {
        for (var p = 0; p < m; p++, w += 6)
        {
            var w1 = new Twiddle(w[0], w[1]);
            var w2 = new Twiddle(w[2], w[3]);
            var w3 = new Twiddle(w[4], w[5]);
            for (var q = 0; q < s; q++)
            {
                int i0 = q + s * p, i1 = i0 + s * m, i2 = i1 + s * m, i3 = i2 + s * m;
                var apcR = xr[i0] + xr[i2]; var apcI = xi[i0] + xi[i2];
                var amcR = xr[i0] - xr[i2]; var amcI = xi[i0] - xi[i2];
                var bpdR = xr[i1] + xr[i3]; var bpdI = xi[i1] + xi[i3];
                var bmdR = xr[i1] - xr[i3]; var bmdI = xi[i1] - xi[i3];
                int o = q + s * 4 * p;
                yr[o] = apcR + bpdR; yi[o] = apcI + bpdI;
                TRotation.Store(amcR + bmdI, amcI - bmdR, w1, yr + o + s, yi + o + s);         // (a - c) - i·(b - d)
                TRotation.Store(apcR - bpdR, apcI - bpdI, w2, yr + o + 2 * s, yi + o + 2 * s);
                TRotation.Store(amcR - bmdI, amcI + bmdR, w3, yr + o + 3 * s, yi + o + 3 * s); // (a - c) + i·(b - d)
            }
        }
    }

    private static void Radix5<TRotation>(Vector<double>* xr, Vector<double>* xi, Vector<double>* yr, Vector<double>* yi, int m, int s, double* w)
        where TRotation : struct, IRotation
    {
        var c1 = new Vector<double>(Math.Cos(2 * Math.PI / 5));
        var c2 = new Vector<double>(Math.Cos(4 * Math.PI / 5));
        var s1 = new Vector<double>(Math.Sin(2 * Math.PI / 5));
        var s2 = new Vector<double>(Math.Sin(4 * Math.PI / 5));
        for (var p = 0; p < m; p++, w += 8)
        {
            var w1 = new Twiddle(w[0], w[1]);
            var w2 = new Twiddle(w[2], w[3]);
            var w3 = new Twiddle(w[4], w[5]);
            var w4 = new Twiddle(w[6], w[7]);
            for (var q = 0; q < s; q++)
            {
                int i0 = q + s * p, i1 = i0 + s * m, i2 = i1 + s * m, i3 = i2 + s * m, i4 = i3 + s * m;
                var a0r = xr[i0]; var a0i = xi[i0];
                var t1r = xr[i1] + xr[i4]; var t1i = xi[i1] + xi[i4];
                var t2r = xr[i2] + xr[i3]; var t2i = xi[i2] + xi[i3];
                var t3r = xr[i1] - xr[i4]; var t3i = xi[i1] - xi[i4];
                var t4r = xr[i2] - xr[i3]; var t4i = xi[i2] - xi[i3];
                var t5r = Vector.MultiplyAddEstimate(c1, t1r, Vector.MultiplyAddEstimate(c2, t2r, a0r));
                var t5i = Vector.MultiplyAddEstimate(c1, t1i, Vector.MultiplyAddEstimate(c2, t2i, a0i));
                var t6r = Vector.MultiplyAddEstimate(c2, t1r, Vector.MultiplyAddEstimate(c1, t2r, a0r));
                var t6i = Vector.MultiplyAddEstimate(c2, t1i, Vector.MultiplyAddEstimate(c1, t2i, a0i));
                var t7r = Vector.MultiplyAddEstimate(s1, t3r, s2 * t4r); var t7i = Vector.MultiplyAddEstimate(s1, t3i, s2 * t4i);
                var t8r = Vector.MultiplyAddEstimate(s2, t3r, -(s1 * t4r)); var t8i = Vector.MultiplyAddEstimate(s2, t3i, -(s1 * t4i));
                int o = q + s * 5 * p;
                yr[o] = a0r + t1r + t2r; yi[o] = a0i + t1i + t2i;
                TRotation.Store(t5r + t7i, t5i - t7r, w1, yr + o + s, yi + o + s);         // t5 - i·t7
                TRotation.Store(t6r + t8i, t6i - t8r, w2, yr + o + 2 * s, yi + o + 2 * s); // t6 - i·t8
                TRotation.Store(t6r - t8i, t6i + t8r, w3, yr + o + 3 * s, yi + o + 3 * s); // t6 + i·t8
                TRotation.Store(t5r - t7i, t5i + t7r, w4, yr + o + 4 * s, yi + o + 4 * s); // t5 + i·t7
            }
        }
    }

    private readonly struct Twiddle(double re, double im)
    {
        public readonly Vector<double> Re = new(re), Im = new(im), MinusIm = new(-im);
    }

    // Stores a butterfly output, multiplied by its twiddle or not: a struct type argument makes the
    // JIT compile each stage once per choice, with no branch in the inner loop.
    private interface IRotation
    {
        static abstract void Store(Vector<double> re, Vector<double> im, in Twiddle w, Vector<double>* outRe, Vector<double>* outIm);
    }

    private readonly struct Rotated : IRotation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector<double> re, Vector<double> im, in Twiddle w, Vector<double>* outRe, Vector<double>* outIm)
        {
            *outRe = Vector.MultiplyAddEstimate(re, w.Re, im * w.MinusIm);
            *outIm = Vector.MultiplyAddEstimate(re, w.Im, im * w.Re);
        }
    }

    private readonly struct Unrotated : IRotation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Store(Vector<double> re, Vector<double> im, in Twiddle w, Vector<double>* outRe, Vector<double>* outIm)
        {
            *outRe = re;
            *outIm = im;
        }
    }

    private static int[] Factor(int n)
    {
        var result = new List<int>();
        // Radix 4 first: it has the fewest operations per point of the supported radices.
        while (n % 4 == 0) { result.Add(4); n /= 4; }
        foreach (var r in new[] { 2, 3, 5 })
            while (n % r == 0) { result.Add(r); n /= r; }
        if (n != 1) throw new ArgumentOutOfRangeException(nameof(n), $"the FFT supports sizes whose half factors into 2, 3 and 5; {n} remains");
        return result.ToArray();
    }
}
