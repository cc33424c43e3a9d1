using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

/// <summary>
/// torch.autograd.gradcheck for the binding: the derivatives autograd computes through the native
/// shim are compared with central finite differences, so a wrong backward formula, a graph cut in
/// the binding or a mixed-up argument shows up as a numeric mismatch rather than as a slowly
/// diverging training run.
/// </summary>
internal static class GradCheck
{
    /// <summary>Finite-difference step; float64 leaves about 10 significant digits in the quotient.</summary>
    public const double Eps = 1e-6;

    /// <summary>Allowed |analytic - numeric| relative to max(1, |numeric|).</summary>
    public const double Tolerance = 1e-6;

    // Below this many Jacobian entries every output element gets its own backward pass (one-hot
    // seeds), which checks each entry; above it one random projection keeps the run short.
    private const long FullJacobianLimit = 1 << 14;

    /// <summary>
    /// Checks the gradient of <paramref name="function"/> with respect to every input. Inputs are
    /// contiguous float64 or complex128 leaves that require grad; the output must be float64
    /// (pass complex results through <c>view_as_real</c>). Complex inputs are perturbed in their
    /// real and imaginary parts separately, matching PyTorch's convention that the gradient of a
    /// real loss L at z = x + iy is dL/dx + i dL/dy.
    /// </summary>
    public static void Check(string name, Func<Tensor[], Tensor> function, params Tensor[] inputs)
    {
        using var scope = NewDisposeScope();
        for (var i = 0; i < inputs.Length; i++)
        {
            var x = inputs[i];
            if (x.dtype is not (DType.Float64 or DType.Complex128))
                throw new ArgumentException($"{name}: input {i} is {x.dtype}; gradient checks need float64 or complex128");
            if (!x.requires_grad || !x.is_leaf || !x.is_contiguous())
                throw new ArgumentException($"{name}: input {i} must be a contiguous leaf that requires grad");
        }

        var output = function(inputs);
        if (output.dtype != DType.Float64)
            throw new ArgumentException($"{name}: output is {output.dtype}; return a float64 tensor (view_as_real for complex results)");
        var outputShape = output.shape;
        var outputCount = (int)output.numel();
        var inputCounts = inputs.Select(RealCount).ToArray();
        var full = (long)outputCount * inputCounts.Sum() <= FullJacobianLimit;
        var seeds = full ? OneHots(outputCount) : [RandomDirection(outputCount)];

        var analytic = Analytic(output, outputShape, seeds, inputs);
        var numeric = Numeric(name, function, inputs, inputCounts, seeds);
        foreach (var x in inputs) x.grad = null;

        Compare(name, full, analytic, numeric, inputCounts);
    }

    private static int RealCount(Tensor x) => (int)x.numel() * (x.dtype == DType.Complex128 ? 2 : 1);

    private static double[][] OneHots(int count)
    {
        var seeds = new double[count][];
        for (var j = 0; j < count; j++)
        {
            seeds[j] = new double[count];
            seeds[j][j] = 1;
        }
        return seeds;
    }

    private static double[] RandomDirection(int count)
    {
        // A private generator: tests run in parallel and must not race on the global stream.
        using var generator = new Generator(1234);
        using var direction = randn([count], DType.Float64, generator: generator);
        return direction.ToArray<double>();
    }

    /// <summary>analytic[seed][input] = gradient of sum(seed * output) w.r.t. that input, flattened.</summary>
    private static double[][][] Analytic(Tensor output, long[] outputShape, double[][] seeds, Tensor[] inputs)
    {
        var result = new double[seeds.Length][][];
        for (var k = 0; k < seeds.Length; k++)
        {
            using var step = NewDisposeScope();
            foreach (var x in inputs) x.grad = null;
            var seed = tensor(seeds[k]).reshape(outputShape);
            output.backward(seed, retain_graph: k < seeds.Length - 1);
            result[k] = inputs.Select(x => Flatten(x.grad) ?? new double[RealCount(x)]).ToArray();
        }
        return result;
    }

    private static double[]? Flatten(Tensor? gradient)
    {
        if (gradient is null) return null;
        if (gradient.dtype != DType.Complex128) return gradient.ToArray<double>();
        // Autograd may hand back a lazily conjugated gradient (ConjBackward sets the conj bit);
        // view_as_real refuses such a view, so clone materializes it first.
        using var resolved = gradient.clone();
        return resolved.view_as_real().ToArray<double>();
    }

    /// <summary>numeric[seed][input] by central differences, perturbing each real component in place.</summary>
    private static double[][][] Numeric(string name, Func<Tensor[], Tensor> function, Tensor[] inputs, int[] inputCounts, double[][] seeds)
    {
        var result = new double[seeds.Length][][];
        for (var k = 0; k < seeds.Length; k++) result[k] = inputCounts.Select(n => new double[n]).ToArray();

        using var noGrad = no_grad();
        for (var i = 0; i < inputs.Length; i++)
        {
            using var data = inputs[i].detach();
            using var real = data.dtype == DType.Complex128 ? data.view_as_real() : data.alias();
            using var flat = real.view(-1);
            var influences = false;
            for (var e = 0; e < inputCounts[i]; e++)
            {
                using var element = flat.select(0, e);
                var original = element.item<double>();
                var up = original + Eps;
                var down = original - Eps;
                element.fill_(up);
                var plus = Evaluate(function, inputs);
                element.fill_(down);
                var minus = Evaluate(function, inputs);
                element.fill_(original);
                // Divide by the step actually stored, not the nominal 2 * Eps, to drop the rounding of x ± Eps.
                var width = up - down;
                for (var k = 0; k < seeds.Length; k++)
                {
                    double sum = 0;
                    for (var j = 0; j < plus.Length; j++)
                    {
                        var derivative = (plus[j] - minus[j]) / width;
                        if (derivative != 0) influences = true;
                        sum += seeds[k][j] * derivative;
                    }
                    result[k][i][e] = sum;
                }
            }
            if (!influences)
                throw new ArgumentException($"{name}: input {i} does not affect the output, so its check would prove nothing");
        }
        return result;
    }

    private static double[] Evaluate(Func<Tensor[], Tensor> function, Tensor[] inputs)
    {
        using var scope = NewDisposeScope();
        // Copied out at once: a view of an input would otherwise change with the next perturbation.
        return function(inputs).ToArray<double>();
    }

    private static void Compare(string name, bool full, double[][][] analytic, double[][][] numeric, int[] inputCounts)
    {
        var worst = 0.0;
        var report = "";
        for (var k = 0; k < analytic.Length; k++)
            for (var i = 0; i < inputCounts.Length; i++)
                for (var e = 0; e < inputCounts[i]; e++)
                {
                    var a = analytic[k][i][e];
                    var n = numeric[k][i][e];
                    var ratio = Math.Abs(a - n) / (Tolerance * Math.Max(1, Math.Abs(n)));
                    if (!(ratio > worst) && !double.IsNaN(ratio)) continue;
                    worst = double.IsNaN(ratio) ? double.PositiveInfinity : ratio;
                    var against = full ? $"output element {k}" : "a random output projection";
                    report = $"{name}: d/d(input {i} element {e}) of {against}: analytic {a:R}, numeric {n:R}, |difference| {Math.Abs(a - n):E3}";
                }
        if (worst > 1) Assert.Fail($"{report} exceeds {Tolerance:E0} * max(1, |numeric|) ({worst:F1}x the tolerance)");
    }
}
