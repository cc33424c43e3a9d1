using System.Numerics;

namespace Cluster.Speech.Features;

/// <summary>
/// Power spectra of <see cref="Vector{T}.Count"/> real frames at once, one frame per SIMD lane: every
/// butterfly is written as scalar code whose "scalars" are vectors, so no shuffles are needed and the
/// spectrum comes out as [bin][frame], which is already the [n_mels, frames] order of the features.
/// A real frame of n points is transformed as a complex FFT of n/2 points (even samples real, odd
/// samples imaginary) followed by the usual split; the complex FFT is a mixed-radix Stockham
/// autosort (radices 4, 2, 3, 5; Whisper's 200 = 4·2·5·5), so no bit reversal pass.
/// </summary>
internal sealed unsafe class LanewiseRealFft
{
    private readonly int[] radices;
    private readonly float[] twiddles;  // per stage, per p: (cos, -sin) of 2π·k·p/n for k = 1..r-1
    private readonly float[] splitTwiddles; // (cos, -sin) of 2π·k/size for k = 0..size/2

    public LanewiseRealFft(int size)
    {
        if (size < 4 || size % 2 != 0) throw new ArgumentOutOfRangeException(nameof(size), size, "the real FFT needs an even size of at least 4");
        Size = size;
        radices = Factor(size / 2);

        var table = new List<float>();
        var n = size / 2;
        foreach (var r in radices)
        {
            var m = n / r;
            for (var p = 0; p < m; p++)
                for (var k = 1; k < r; k++)
                {
                    var angle = 2.0 * Math.PI * k * p / n;
                    table.Add((float)Math.Cos(angle));
                    table.Add((float)-Math.Sin(angle));
                }
            n = m;
        }
        twiddles = table.ToArray();

        splitTwiddles = new float[size + 2];
        for (var k = 0; k <= size / 2; k++)
        {
            var angle = 2.0 * Math.PI * k / size;
            splitTwiddles[2 * k] = (float)Math.Cos(angle);
            splitTwiddles[2 * k + 1] = (float)-Math.Sin(angle);
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
    public void Power(Vector<float>* re, Vector<float>* im, Vector<float>* workRe, Vector<float>* workIm, Vector<float>* power)
    {
        var half = Size / 2;
        var n = half;
        var s = 1;
        fixed (float* allTwiddles = twiddles)
        {
            var w = allTwiddles;
            foreach (var r in radices)
            {
                var m = n / r;
                switch (r)
                {
                    case 2: Radix2(re, im, workRe, workIm, m, s, w); break;
                    case 3: Radix3(re, im, workRe, workIm, m, s, w); break;
                    case 4: Radix4(re, im, workRe, workIm, m, s, w); break;
                    default: Radix5(re, im, workRe, workIm, m, s, w); break;
                }
                w += 2 * (r - 1) * m;
                var input = re; re = workRe; workRe = input;   // ping-pong: the output feeds the next stage
                input = im; im = workIm; workIm = input;
                n = m;
                s *= r;
            }
        }

        // Split Z = FFT(even + i·odd) into the real frame's spectrum: with A = Z[k], B = conj(Z[half - k]),
        // 2·X[k] = (A + B) - i·W^k·(A - B), W = e^(-2πi/Size). Z[half] is Z[0].
        fixed (float* split = splitTwiddles)
        {
            for (var k = 0; k <= half; k++)
            {
                var a = k == half ? 0 : k;
                var b = k == 0 ? 0 : half - k;
                var aRe = re[a];
                var aIm = im[a];
                var bRe = re[b];
                var bIm = -im[b];
                var dRe = aIm - bIm; // -i·(A - B)
                var dIm = bRe - aRe;
                var cos = new Vector<float>(split[2 * k]);
                var sin = new Vector<float>(split[2 * k + 1]);
                var xRe = aRe + bRe + (dRe * cos - dIm * sin);
                var xIm = aIm + bIm + (dRe * sin + dIm * cos);
                power[k] = xRe * xRe + xIm * xIm;
            }
        }
    }

    // Stockham stage: inputs x[q + s·(p + m·j)], outputs y[q + s·(r·p + k)] = DFT_r(x)[k] · w_n^(k·p), n = r·m.

    private static void Radix2(Vector<float>* xr, Vector<float>* xi, Vector<float>* yr, Vector<float>* yi, int m, int s, float* w)
    {
        for (var p = 0; p < m; p++, w += 2)
        {
            var w1r = new Vector<float>(w[0]);
            var w1i = new Vector<float>(w[1]);
            for (var q = 0; q < s; q++)
            {
                int i0 = q + s * p, i1 = i0 + s * m;
                var ar = xr[i0]; var ai = xi[i0];
                var br = xr[i1]; var bi = xi[i1];
                int o = q + s * 2 * p;
                yr[o] = ar + br; yi[o] = ai + bi;
                Twiddle(ar - br, ai - bi, w1r, w1i, yr + o + s, yi + o + s);
            }
        }
    }

    private static void Radix3(Vector<float>* xr, Vector<float>* xi, Vector<float>* yr, Vector<float>* yi, int m, int s, float* w)
    {
        var half = new Vector<float>(-0.5f);
        var sin60 = new Vector<float>((float)(Math.Sqrt(3.0) / 2.0));
        for (var p = 0; p < m; p++, w += 4)
        {
            var w1r = new Vector<float>(w[0]); var w1i = new Vector<float>(w[1]);
            var w2r = new Vector<float>(w[2]); var w2i = new Vector<float>(w[3]);
            for (var q = 0; q < s; q++)
            {
                int i0 = q + s * p, i1 = i0 + s * m, i2 = i1 + s * m;
                var a0r = xr[i0]; var a0i = xi[i0];
                var t1r = xr[i1] + xr[i2]; var t1i = xi[i1] + xi[i2];
                var t2r = a0r + half * t1r; var t2i = a0i + half * t1i;
                var t3r = sin60 * (xr[i1] - xr[i2]); var t3i = sin60 * (xi[i1] - xi[i2]);
                int o = q + s * 3 * p;
                yr[o] = a0r + t1r; yi[o] = a0i + t1i;
                Twiddle(t2r + t3i, t2i - t3r, w1r, w1i, yr + o + s, yi + o + s);       // t2 - i·t3
                Twiddle(t2r - t3i, t2i + t3r, w2r, w2i, yr + o + 2 * s, yi + o + 2 * s); // t2 + i·t3
            }
        }
    }

    private static void Radix4(Vector<float>* xr, Vector<float>* xi, Vector<float>* yr, Vector<float>* yi, int m, int s, float* w)
    {
        for (var p = 0; p < m; p++, w += 6)
        {
            var w1r = new Vector<float>(w[0]); var w1i = new Vector<float>(w[1]);
            var w2r = new Vector<float>(w[2]); var w2i = new Vector<float>(w[3]);
            var w3r = new Vector<float>(w[4]); var w3i = new Vector<float>(w[5]);
            for (var q = 0; q < s; q++)
            {
                int i0 = q + s * p, i1 = i0 + s * m, i2 = i1 + s * m, i3 = i2 + s * m;
                var apcR = xr[i0] + xr[i2]; var apcI = xi[i0] + xi[i2];
                var amcR = xr[i0] - xr[i2]; var amcI = xi[i0] - xi[i2];
                var bpdR = xr[i1] + xr[i3]; var bpdI = xi[i1] + xi[i3];
                var bmdR = xr[i1] - xr[i3]; var bmdI = xi[i1] - xi[i3];
                int o = q + s * 4 * p;
                yr[o] = apcR + bpdR; yi[o] = apcI + bpdI;
                Twiddle(amcR + bmdI, amcI - bmdR, w1r, w1i, yr + o + s, yi + o + s);         // (a - c) - i·(b - d)
                Twiddle(apcR - bpdR, apcI - bpdI, w2r, w2i, yr + o + 2 * s, yi + o + 2 * s);
                Twiddle(amcR - bmdI, amcI + bmdR, w3r, w3i, yr + o + 3 * s, yi + o + 3 * s); // (a - c) + i·(b - d)
            }
        }
    }

    private static void Radix5(Vector<float>* xr, Vector<float>* xi, Vector<float>* yr, Vector<float>* yi, int m, int s, float* w)
    {
        var c1 = new Vector<float>((float)Math.Cos(2 * Math.PI / 5));
        var c2 = new Vector<float>((float)Math.Cos(4 * Math.PI / 5));
        var s1 = new Vector<float>((float)Math.Sin(2 * Math.PI / 5));
        var s2 = new Vector<float>((float)Math.Sin(4 * Math.PI / 5));
        for (var p = 0; p < m; p++, w += 8)
        {
            var w1r = new Vector<float>(w[0]); var w1i = new Vector<float>(w[1]);
            var w2r = new Vector<float>(w[2]); var w2i = new Vector<float>(w[3]);
            var w3r = new Vector<float>(w[4]); var w3i = new Vector<float>(w[5]);
            var w4r = new Vector<float>(w[6]); var w4i = new Vector<float>(w[7]);
            for (var q = 0; q < s; q++)
            {
                int i0 = q + s * p, i1 = i0 + s * m, i2 = i1 + s * m, i3 = i2 + s * m, i4 = i3 + s * m;
                var a0r = xr[i0]; var a0i = xi[i0];
                var t1r = xr[i1] + xr[i4]; var t1i = xi[i1] + xi[i4];
                var t2r = xr[i2] + xr[i3]; var t2i = xi[i2] + xi[i3];
                var t3r = xr[i1] - xr[i4]; var t3i = xi[i1] - xi[i4];
                var t4r = xr[i2] - xr[i3]; var t4i = xi[i2] - xi[i3];
                var t5r = a0r + c1 * t1r + c2 * t2r; var t5i = a0i + c1 * t1i + c2 * t2i;
                var t6r = a0r + c2 * t1r + c1 * t2r; var t6i = a0i + c2 * t1i + c1 * t2i;
                var t7r = s1 * t3r + s2 * t4r; var t7i = s1 * t3i + s2 * t4i;
                var t8r = s2 * t3r - s1 * t4r; var t8i = s2 * t3i - s1 * t4i;
                int o = q + s * 5 * p;
                yr[o] = a0r + t1r + t2r; yi[o] = a0i + t1i + t2i;
                Twiddle(t5r + t7i, t5i - t7r, w1r, w1i, yr + o + s, yi + o + s);         // t5 - i·t7
                Twiddle(t6r + t8i, t6i - t8r, w2r, w2i, yr + o + 2 * s, yi + o + 2 * s); // t6 - i·t8
                Twiddle(t6r - t8i, t6i + t8r, w3r, w3i, yr + o + 3 * s, yi + o + 3 * s); // t6 + i·t8
                Twiddle(t5r - t7i, t5i + t7r, w4r, w4i, yr + o + 4 * s, yi + o + 4 * s); // t5 + i·t7
            }
        }
    }

    private static void Twiddle(Vector<float> re, Vector<float> im, Vector<float> wr, Vector<float> wi, Vector<float>* outRe, Vector<float>* outIm)
    {
        *outRe = re * wr - im * wi;
        *outIm = re * wi + im * wr;
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
