using static Cluster.Torch.torch;
using F = Cluster.Torch.torch.nn.functional;

namespace Cluster.Torch.Tests;

/// <summary>
/// Every differentiable op of the binding, checked against finite differences in float64 (complex128
/// where the op is complex). Inputs stay away from kinks and ties (abs and relu at 0, clamp bounds,
/// equal maxima) because there the one-sided derivatives differ and neither side is "right".
/// </summary>
public sealed class GradCheckTests
{
    public static TheoryData<string> Ops => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Ops))]
    public void Gradient_matches_finite_differences(string op)
    {
        using var scope = NewDisposeScope();
        using var c = new Case(op);
        Cases[op](c);
    }

    [Fact]
    public void Checker_rejects_a_wrong_gradient()
    {
        using var scope = NewDisposeScope();
        using var c = new Case("half-gradient square");
        // x.detach() drops one of the two factors from the graph, so autograd reports half the true derivative.
        var full = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => c.Check(x => x[0] * x[0].detach(), c.Normal(2, 3)));
        Assert.Contains("half-gradient square", full.Message);
        Assert.Contains("output element", full.Message);
        // 130 x 130 Jacobian entries exceed the one-hot limit, so this goes through the random projection.
        var projected = Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => c.Check(x => x[0] * x[0].detach(), c.Normal(130)));
        Assert.Contains("random output projection", projected.Message);
    }

    [Fact]
    public void Gradient_through_conj_reads_back_conjugated()
    {
        using var scope = NewDisposeScope();
        var z = complex(tensor(new[] { 1.0, 2.0 }), tensor(new[] { 3.0, 4.0 })).requires_grad_();
        var w = complex(tensor(new[] { 0.5, 0.25 }), tensor(new[] { 1.0, -1.0 }));
        // L = Re(conj(z) w) = x a + y b, so the gradient dL/dx + i dL/dy is w itself. ConjBackward
        // returns it with the lazy conj bit set; reading it back must apply the conjugation.
        (z.conj() * w).real().sum().backward();
        Assert.Equal(w.ToArray<System.Numerics.Complex>(), z.grad!.ToArray<System.Numerics.Complex>());
    }

    /// <summary>The inputs of one check, drawn from a generator of its own so parallel tests stay reproducible.</summary>
    public sealed class Case(string name) : IDisposable
    {
        private readonly Generator generator = new(20240601);

        public void Check(Func<Tensor[], Tensor> function, params Tensor[] inputs) => GradCheck.Check(name, function, inputs);

        /// <summary>Turns a freshly computed value (no graph) into a leaf that requires grad.</summary>
        public static Tensor Leaf(Tensor value) => value.contiguous().requires_grad_();

        public Tensor RandN(params long[] shape) => randn(shape, DType.Float64, generator: generator);
        public Tensor Rand(params long[] shape) => rand(shape, DType.Float64, generator: generator);

        public Tensor Normal(params long[] shape) => Leaf(RandN(shape));

        /// <summary>Uniform in [0.5, 1.5): inside the domain of log, sqrt, rsqrt with room for the step.</summary>
        public Tensor Positive(params long[] shape) => Leaf(Rand(shape) + 0.5);

        /// <summary>Uniform in [-1, 1): keeps tan well inside (-pi/2, pi/2).</summary>
        public Tensor Unit(params long[] shape) => Leaf(Rand(shape) * 2.0 - 1.0);

        /// <summary>Random sign times [0.5, 1.5): away from the kinks of abs, relu, prelu and from the poles of 1/x.</summary>
        public Tensor AwayFromZero(params long[] shape) => Leaf(Offsets(shape));

        public Tensor Offsets(params long[] shape) => RandN(shape).sign() * (Rand(shape) + 0.5);

        /// <summary>Values at least 0.06 apart, so max, min, sort and topk have no ties a step of 1e-6 could swap.</summary>
        public Tensor Distinct(params long[] shape)
        {
            var count = shape.Aggregate(1L, (a, b) => a * b);
            var ranks = randperm(count, generator: generator).@double();
            return Leaf(((ranks - count / 2.0 + Rand(count) * 0.4) * 0.1).reshape(shape));
        }

        public Tensor Complex(params long[] shape) => Leaf(complex(RandN(shape), RandN(shape)));

        public static Tensor Fixed(double[] values, params long[] shape) => Leaf(tensor(values, shape));

        public void Dispose() => generator.Dispose();
    }

    private static Tensor Longs(long[] values, params long[] shape) => tensor(values, shape);

    private static readonly Dictionary<string, Action<Case>> Cases = new()
    {
        // ---- unary -------------------------------------------------------------------------
        ["neg"] = c => c.Check(x => x[0].neg(), c.Normal(2, 3)),
        ["abs"] = c => c.Check(x => x[0].abs(), c.AwayFromZero(2, 3)),
        ["exp"] = c => c.Check(x => x[0].exp(), c.Normal(2, 3)),
        ["log"] = c => c.Check(x => x[0].log(), c.Positive(2, 3)),
        ["log10"] = c => c.Check(x => x[0].log10(), c.Positive(2, 3)),
        ["log2"] = c => c.Check(x => x[0].log2(), c.Positive(2, 3)),
        ["log1p"] = c => c.Check(x => x[0].log1p(), c.Positive(2, 3)),
        ["expm1"] = c => c.Check(x => x[0].expm1(), c.Normal(2, 3)),
        ["sqrt"] = c => c.Check(x => x[0].sqrt(), c.Positive(2, 3)),
        ["rsqrt"] = c => c.Check(x => x[0].rsqrt(), c.Positive(2, 3)),
        ["sin"] = c => c.Check(x => x[0].sin(), c.Normal(2, 3)),
        ["cos"] = c => c.Check(x => x[0].cos(), c.Normal(2, 3)),
        ["tan"] = c => c.Check(x => x[0].tan(), c.Unit(2, 3)),
        ["tanh"] = c => c.Check(x => x[0].tanh(), c.Normal(2, 3)),
        ["sigmoid"] = c => c.Check(x => x[0].sigmoid(), c.Normal(2, 3)),
        ["relu"] = c => c.Check(x => x[0].relu(), c.AwayFromZero(2, 3)),
        ["gelu"] = c => c.Check(x => F.gelu(x[0]), c.Normal(2, 3)),
        ["gelu_tanh"] = c => c.Check(x => F.gelu(x[0], "tanh"), c.Normal(2, 3)),
        // The gradient reaches GELU through a transpose, i.e. non-contiguous: libtorch 1.13's CPU
        // gelu_backward returns garbage for that unless the binding makes it contiguous first.
        ["gelu_then_transpose"] = c => c.Check(x => F.gelu(x[0]).transpose(0, 1), c.Normal(3, 5)),
        ["gelu_tanh_then_transpose"] = c => c.Check(x => F.gelu(x[0], "tanh").transpose(0, 1), c.Normal(3, 5)),
        ["silu"] = c => c.Check(x => F.silu(x[0]), c.Normal(2, 3)),
        ["softplus"] = c => c.Check(x => F.softplus(x[0]), c.Normal(2, 3)),
        ["reciprocal"] = c => c.Check(x => x[0].reciprocal(), c.AwayFromZero(2, 3)),
        ["square"] = c => c.Check(x => x[0].square(), c.Normal(2, 3)),
        ["erf"] = c => c.Check(x => x[0].erf(), c.Normal(2, 3)),
        ["atan"] = c => c.Check(x => x[0].atan(), c.Normal(2, 3)),

        // ---- binary, with scalars and broadcasting ----------------------------------------------
        ["add"] = c => c.Check(x => x[0] + x[1], c.Normal(2, 3), c.Normal(2, 3)),
        ["add_broadcast"] = c => c.Check(x => x[0] + x[1], c.Normal(2, 3), c.Normal(3)),
        ["add_scalar"] = c => c.Check(x => x[0] + 2.5, c.Normal(2, 3)),
        ["add_alpha"] = c => c.Check(x => x[0].add(x[1], 2.5), c.Normal(2, 3), c.Normal(2, 1)),
        ["sub"] = c => c.Check(x => x[0] - x[1], c.Normal(2, 3), c.Normal(2, 3)),
        ["sub_broadcast"] = c => c.Check(x => x[0] - x[1], c.Normal(2, 1, 3), c.Normal(4, 1)),
        ["sub_scalar"] = c => c.Check(x => x[0] - 1.5, c.Normal(2, 3)),
        ["rsub_scalar"] = c => c.Check(x => 1.5 - x[0], c.Normal(2, 3)),
        ["mul"] = c => c.Check(x => x[0] * x[1], c.Normal(2, 3), c.Normal(2, 3)),
        ["mul_broadcast"] = c => c.Check(x => x[0] * x[1], c.Normal(2, 3), c.Normal(3)),
        ["mul_scalar"] = c => c.Check(x => x[0] * -1.75, c.Normal(2, 3)),
        ["div"] = c => c.Check(x => x[0] / x[1], c.Normal(2, 3), c.AwayFromZero(2, 3)),
        ["div_broadcast"] = c => c.Check(x => x[0] / x[1], c.Normal(2, 3), c.AwayFromZero(2, 1)),
        ["div_scalar"] = c => c.Check(x => x[0] / 3.0, c.Normal(2, 3)),
        ["rdiv_scalar"] = c => c.Check(x => 2.0 / x[0], c.AwayFromZero(2, 3)),
        ["pow"] = c => c.Check(x => x[0].pow(x[1]), c.Positive(2, 3), c.Normal(2, 3)),
        ["pow_broadcast"] = c => c.Check(x => x[0].pow(x[1]), c.Positive(2, 3), c.Normal(3)),
        ["pow_scalar_integer"] = c => c.Check(x => x[0].pow(3), c.Normal(2, 3)),
        ["pow_scalar_fractional"] = c => c.Check(x => x[0].pow(2.5), c.Positive(2, 3)),
        ["remainder_scalar"] = c => c.Check(x => x[0].remainder(2.0), c.Positive(2, 3)),
        ["remainder"] = c => c.Check(x => x[0].remainder(x[1]),
            Case.Fixed([1.3, 2.7, 3.4, 5.1], 4), Case.Fixed([1.0, 1.1, 1.6, 2.2], 4)),
        ["maximum"] = c =>
        {
            var a = c.RandN(2, 3);
            var b = a + c.Offsets(2, 3);
            c.Check(x => x[0].maximum(x[1]), Case.Leaf(a), Case.Leaf(b));
        },
        ["minimum"] = c =>
        {
            var a = c.RandN(2, 3);
            var b = a + c.Offsets(2, 3);
            c.Check(x => x[0].minimum(x[1]), Case.Leaf(a), Case.Leaf(b));
        },
        ["atan2"] = c => c.Check(x => x[0].atan2(x[1]), c.Normal(2, 3), c.AwayFromZero(2, 3)),
        ["in_place_chain"] = c => c.Check(x =>
        {
            var y = x[0] * 1.0;
            y.mul_(x[1]).add_(x[1], 0.5).sub_(0.25).div_(1.5).add_(2.0).mul_(0.5).tanh_();
            return y;
        }, c.Normal(2, 3), c.Normal(2, 3)),
        ["in_place_unary_chain"] = c =>
        {
            var mask = tensor(new[] { false, true, false, false, false, true }, 2, 3);
            // Ranges step by step: abs [0.5, 1.5), exp/log back, sqrt, reciprocal and square within
            // (0.66, 2], so relu passes through and the sigmoid stays inside the clamp bounds.
            Func<Tensor, Tensor>[] steps =
            [
                t => t.abs_(), t => t.exp_(), t => t.log_(), t => t.sqrt_(), t => t.reciprocal_(), t => t.pow_(2), t => t.relu_(),
                t => t.sigmoid_(), t => t.clamp_(0.2, 0.9), t => t.masked_fill_(mask, 0.5), t => t.neg_(), t => t.tanh_(),
            ];
            // Each step works on a fresh copy: exp_, sqrt_, sigmoid_ and others save their own output
            // for backward, so a second in-place op on the same tensor would (rightly) fail backward.
            c.Check(x => steps.Aggregate(x[0], (y, step) => step(y * 1.0)), c.AwayFromZero(2, 3));
        },

        // ---- products ----------------------------------------------------------------------------
        ["matmul_1d"] = c => c.Check(x => x[0].matmul(x[1]), c.Normal(4), c.Normal(4)),
        ["matmul_2d_1d"] = c => c.Check(x => x[0].matmul(x[1]), c.Normal(3, 4), c.Normal(4)),
        ["matmul_1d_2d"] = c => c.Check(x => x[0].matmul(x[1]), c.Normal(3), c.Normal(3, 4)),
        ["matmul_2d"] = c => c.Check(x => x[0].matmul(x[1]), c.Normal(3, 4), c.Normal(4, 2)),
        ["matmul_batched"] = c => c.Check(x => x[0].matmul(x[1]), c.Normal(2, 3, 4), c.Normal(2, 4, 2)),
        ["matmul_batched_broadcast"] = c => c.Check(x => matmul(x[0], x[1]), c.Normal(2, 3, 4), c.Normal(4, 2)),
        ["mm"] = c => c.Check(x => x[0].mm(x[1]), c.Normal(3, 4), c.Normal(4, 2)),
        ["bmm"] = c => c.Check(x => bmm(x[0], x[1]), c.Normal(2, 3, 4), c.Normal(2, 4, 2)),
        ["outer"] = c => c.Check(x => x[0].outer(x[1]), c.Normal(3), c.Normal(4)),
        ["einsum_matmul"] = c => c.Check(x => einsum("ik,kj->ij", x[0], x[1]), c.Normal(3, 4), c.Normal(4, 2)),
        ["einsum_batched_transposed"] = c => c.Check(x => einsum("bij,bkj->bik", x[0], x[1]), c.Normal(2, 3, 4), c.Normal(2, 2, 4)),

        // ---- selection -----------------------------------------------------------------------------
        ["clamp"] = c => c.Check(x => x[0].clamp(-0.5, 0.5), ClampInput()),
        ["clamp_min"] = c => c.Check(x => x[0].clamp_min(-0.5), ClampInput()),
        ["clamp_max"] = c => c.Check(x => x[0].clamp_max(0.5), ClampInput()),
        ["where"] = c =>
        {
            var condition = tensor(new[] { true, false, false, true, true, false }, 2, 3);
            c.Check(x => where(condition, x[0], x[1]), c.Normal(2, 3), c.Normal(2, 3));
        },
        ["masked_fill"] = c =>
        {
            var mask = tensor(new[] { true, false, false, true, true, false }, 2, 3);
            c.Check(x => x[0].masked_fill(mask, 0.5), c.Normal(2, 3));
        },
        ["masked_select"] = c =>
        {
            var mask = tensor(new[] { true, false, false, true, true, false }, 2, 3);
            c.Check(x => x[0].masked_select(mask), c.Normal(2, 3));
        },

        // ---- reductions --------------------------------------------------------------------------
        ["sum"] = c => c.Check(x => x[0].sum(), c.Normal(2, 3, 4)),
        ["sum_dim"] = c => c.Check(x => x[0].sum(1), c.Normal(2, 3, 4)),
        ["sum_dims_keepdim"] = c => c.Check(x => x[0].sum([0, 2], keepdim: true), c.Normal(2, 3, 4)),
        ["mean"] = c => c.Check(x => x[0].mean(), c.Normal(2, 3, 4)),
        ["mean_dim"] = c => c.Check(x => x[0].mean(-1), c.Normal(2, 3, 4)),
        ["mean_dims_keepdim"] = c => c.Check(x => x[0].mean([0, 1], keepdim: true), c.Normal(2, 3, 4)),
        ["prod"] = c => c.Check(x => x[0].prod(), c.Positive(2, 3)),
        ["prod_dim_keepdim"] = c => c.Check(x => x[0].prod(1, keepdim: true), c.AwayFromZero(2, 3)),
        ["amax"] = c => c.Check(x => x[0].amax(), c.Distinct(2, 3, 4)),
        ["amax_dims_keepdim"] = c => c.Check(x => x[0].amax([0, 2], keepdim: true), c.Distinct(2, 3, 4)),
        ["amin"] = c => c.Check(x => x[0].amin(), c.Distinct(2, 3, 4)),
        ["amin_dim"] = c => c.Check(x => x[0].amin(1), c.Distinct(2, 3, 4)),
        ["max_all"] = c => c.Check(x => x[0].max(), c.Distinct(3, 4)),
        ["min_all"] = c => c.Check(x => x[0].min(), c.Distinct(3, 4)),
        ["logsumexp"] = c => c.Check(x => x[0].logsumexp(1), c.Normal(2, 3, 4)),
        ["logsumexp_keepdim"] = c => c.Check(x => x[0].logsumexp(0, keepdim: true), c.Normal(2, 3, 4)),
        ["var"] = c => c.Check(x => x[0].var(), c.Normal(2, 3, 4)),
        ["var_dim_biased_keepdim"] = c => c.Check(x => x[0].var(1, unbiased: false, keepdim: true), c.Normal(2, 3, 4)),
        ["var_dims"] = c => c.Check(x => x[0].var([0, 2]), c.Normal(2, 3, 4)),
        ["std"] = c => c.Check(x => x[0].std(), c.Normal(2, 3, 4)),
        ["std_dim_keepdim"] = c => c.Check(x => x[0].std(2, keepdim: true), c.Normal(2, 3, 4)),
        ["std_dims_biased"] = c => c.Check(x => x[0].std([0, 1], unbiased: false), c.Normal(2, 3, 4)),
        ["norm"] = c => c.Check(x => x[0].norm(), c.Normal(2, 3, 4)),
        ["norm_p1_dim"] = c => c.Check(x => x[0].norm(1, [1]), c.AwayFromZero(2, 3, 4)),
        ["norm_p3_dims_keepdim"] = c => c.Check(x => x[0].norm(3, [0, 2], keepdim: true), c.AwayFromZero(2, 3, 4)),
        ["max_dim"] = c => c.Check(x => x[0].max(1).values, c.Distinct(3, 4)),
        ["max_dim_keepdim"] = c => c.Check(x => x[0].max(0, keepdim: true).values, c.Distinct(3, 4)),
        ["min_dim"] = c => c.Check(x => x[0].min(-1).values, c.Distinct(3, 4)),
        ["topk"] = c => c.Check(x => x[0].topk(2, 1).values, c.Distinct(3, 5)),
        ["topk_smallest"] = c => c.Check(x => x[0].topk(2, 0, largest: false).values, c.Distinct(3, 5)),
        ["sort"] = c => c.Check(x => x[0].sort().values, c.Distinct(3, 5)),
        ["sort_descending"] = c => c.Check(x => x[0].sort(0, descending: true).values, c.Distinct(3, 5)),
        ["cumsum"] = c => c.Check(x => x[0].cumsum(1), c.Normal(3, 4)),
        ["cumsum_dim0"] = c => c.Check(x => x[0].cumsum(0), c.Normal(3, 4)),
        ["softmax"] = c => c.Check(x => x[0].softmax(1), c.Normal(3, 4)),
        ["softmax_dim0"] = c => c.Check(x => F.softmax(x[0], 0), c.Normal(3, 4)),
        ["log_softmax"] = c => c.Check(x => x[0].log_softmax(-1), c.Normal(3, 4)),

        // ---- shape -------------------------------------------------------------------------------
        ["reshape"] = c => c.Check(x => x[0].reshape(4, 6), c.Normal(2, 3, 4)),
        ["view"] = c => c.Check(x => x[0].view(6, -1), c.Normal(2, 3, 4)),
        ["permute"] = c => c.Check(x => x[0].permute(2, 0, 1), c.Normal(2, 3, 4)),
        ["transpose"] = c => c.Check(x => x[0].transpose(0, 2), c.Normal(2, 3, 4)),
        ["t"] = c => c.Check(x => x[0].t(), c.Normal(3, 4)),
        ["contiguous"] = c => c.Check(x => x[0].t().contiguous(), c.Normal(3, 4)),
        ["clone"] = c => c.Check(x => x[0].clone(), c.Normal(3, 4)),
        ["squeeze"] = c => c.Check(x => x[0].squeeze(), c.Normal(2, 1, 3, 1)),
        ["squeeze_dim"] = c => c.Check(x => x[0].squeeze(1), c.Normal(2, 1, 3, 1)),
        ["unsqueeze"] = c => c.Check(x => x[0].unsqueeze(1), c.Normal(2, 3)),
        ["flatten"] = c => c.Check(x => x[0].flatten(), c.Normal(2, 3, 4)),
        ["flatten_range"] = c => c.Check(x => x[0].flatten(1, 2), c.Normal(2, 3, 2, 2)),
        ["expand"] = c => c.Check(x => x[0].expand(2, 3, 4), c.Normal(3, 1)),
        ["expand_as"] = c => c.Check(x => x[0].expand_as(x[1]) * x[1], c.Normal(1, 4), c.Normal(3, 4)),
        ["repeat"] = c => c.Check(x => x[0].repeat(2, 1, 3), c.Normal(2, 3)),
        ["flip"] = c => c.Check(x => x[0].flip(0, 2), c.Normal(2, 3, 4)),
        ["roll"] = c => c.Check(x => x[0].roll([1, -2], [0, 1]), c.Normal(3, 4)),
        ["tril"] = c => c.Check(x => x[0].tril(), c.Normal(3, 4)),
        ["triu"] = c => c.Check(x => x[0].triu(1), c.Normal(3, 4)),
        ["narrow"] = c => c.Check(x => x[0].narrow(1, 1, 2), c.Normal(3, 4)),
        ["select"] = c => c.Check(x => x[0].select(1, 2), c.Normal(3, 4)),
        ["slice"] = c => c.Check(x => x[0].slice(1, 0, null, 2), c.Normal(3, 5)),
        ["index_basic"] = c => c.Check(x => x[0][.., 1..3, TensorIndex.None, ^1], c.Normal(2, 3, 4)),
        ["unfold"] = c => c.Check(x => x[0].unfold(1, 3, 2), c.Normal(2, 7)),
        ["index_select"] = c => c.Check(x => x[0].index_select(0, Longs([2, 0, 2])), c.Normal(3, 4)),
        ["gather"] = c => c.Check(x => x[0].gather(1, Longs([0, 0, 2, 1, 2, 1], 2, 3)), c.Normal(2, 3)),
        ["scatter"] = c => c.Check(x => x[0].scatter(1, Longs([0, 2, 3, 1, 1, 0], 3, 2), x[1]), c.Normal(3, 4), c.Normal(3, 2)),
        ["scatter_add"] = c => c.Check(x => x[0].scatter_add(1, Longs([0, 0, 3, 3, 1, 0], 3, 2), x[1]), c.Normal(3, 4), c.Normal(3, 2)),
        ["index_advanced"] = c => c.Check(x => x[0][Longs([2, 0, 2, 1])], c.Normal(3, 4)),
        ["index_advanced_pairs"] = c => c.Check(x => x[0][Longs([0, 2, 2]), Longs([1, 3, 3])], c.Normal(3, 4)),
        ["index_put"] = c => c.Check(x =>
        {
            var y = x[0].clone();
            y[Longs([2, 0])] = x[1];
            return y;
        }, c.Normal(3, 4), c.Normal(2, 4)),
        ["slice_assign"] = c => c.Check(x =>
        {
            var y = x[0] * 2.0;
            y[.., 1..3] = x[1];
            return y;
        }, c.Normal(3, 4), c.Normal(3, 2)),
        ["cat"] = c => c.Check(x => cat([x[0], x[1]], 0), c.Normal(2, 3), c.Normal(1, 3)),
        ["stack"] = c => c.Check(x => stack([x[0], x[1]], 1), c.Normal(2, 3), c.Normal(2, 3)),
        ["split"] = c => c.Check(x =>
        {
            var pieces = x[0].split(2, 1);
            return cat([pieces[0], pieces[1] * 2.0, pieces[2] * 3.0], 1);
        }, c.Normal(3, 5)),
        ["split_sizes"] = c => c.Check(x =>
        {
            var pieces = x[0].split([1, 3, 1], 1);
            return cat([pieces[0] * -1.0, pieces[1], pieces[2] * 4.0], 1);
        }, c.Normal(3, 5)),
        ["chunk"] = c => c.Check(x =>
        {
            var pieces = x[0].chunk(3, 0);
            return cat([pieces[0] * 3.0, pieces[1], pieces[2] * 0.5]);
        }, c.Normal(5, 2)),
        ["pad_constant"] = c => c.Check(x => F.pad(x[0], [1, 2, 0, 1], PaddingMode.Constant, 0.5), c.Normal(2, 3)),
        ["pad_reflect"] = c => c.Check(x => F.pad(x[0], [2, 1], PaddingMode.Reflect), c.Normal(1, 2, 5)),
        ["pad_reflect_2d"] = c => c.Check(x => F.pad(x[0], [1, 2, 2, 1], PaddingMode.Reflect), c.Normal(1, 1, 3, 4)),
        ["pad_replicate"] = c => c.Check(x => F.pad(x[0], [1, 3], PaddingMode.Replicate), c.Normal(1, 2, 4)),
        ["pad_circular"] = c => c.Check(x => F.pad(x[0], [2, 1], PaddingMode.Circular), c.Normal(1, 2, 4)),
        ["movedim"] = c => c.Check(x => x[0].movedim(0, 2), c.Normal(2, 3, 4)),

        // ---- complex -----------------------------------------------------------------------------
        ["view_as_real"] = c => c.Check(x => x[0].view_as_real(), c.Complex(2, 3)),
        ["view_as_complex"] = c =>
        {
            var factor = complex(tensor(new[] { 0.3 }), tensor(new[] { -1.2 }));
            c.Check(x => (view_as_complex(x[0]) * factor).view_as_real(), c.Normal(3, 2));
        },
        ["real"] = c => c.Check(x => x[0].real(), c.Complex(2, 3)),
        ["imag"] = c => c.Check(x => x[0].imag(), c.Complex(2, 3)),
        ["abs_complex"] = c => c.Check(x => x[0].abs(), Case.Leaf(complex(c.Offsets(2, 3), c.RandN(2, 3)))),
        ["angle_complex"] = c => c.Check(x => x[0].angle(), Case.Leaf(complex(c.Rand(2, 3) + 0.5, c.RandN(2, 3)))),
        ["conj"] = c => c.Check(x => x[0].conj().view_as_real(), c.Complex(2, 3)),
        ["mul_complex"] = c => c.Check(x => (x[0] * x[1]).view_as_real(), c.Complex(2, 3), c.Complex(2, 3)),
        ["complex"] = c => c.Check(x => complex(x[0], x[1]).view_as_real(), c.Normal(2, 3), c.Normal(2, 3)),
        ["polar"] = c => c.Check(x => polar(x[0], x[1]).view_as_real(), c.Positive(2, 3), c.Normal(2, 3)),

        // ---- nn.functional -------------------------------------------------------------------------
        ["linear"] = c => c.Check(x => F.linear(x[0], x[1], x[2]), c.Normal(3, 4), c.Normal(5, 4), c.Normal(5)),
        // Too many Jacobian entries for one-hot seeds: exercises the checker's random-projection path.
        ["linear_random_projection"] = c => c.Check(x => F.linear(x[0], x[1], x[2]), c.Normal(8, 32), c.Normal(48, 32), c.Normal(48)),
        ["linear_no_bias"] = c => c.Check(x => F.linear(x[0], x[1]), c.Normal(2, 3, 4), c.Normal(5, 4)),
        ["conv1d"] = c => c.Check(x => F.conv1d(x[0], x[1], x[2], stride: 2, padding: 1, dilation: 2, groups: 2),
            c.Normal(2, 4, 7), c.Normal(6, 2, 3), c.Normal(6)),
        ["conv2d"] = c => c.Check(x => F.conv2d(x[0], x[1], x[2], stride: (2, 1), padding: (1, 1), dilation: (1, 2), groups: 2),
            c.Normal(1, 4, 5, 5), c.Normal(4, 2, 3, 2), c.Normal(4)),
        ["conv_transpose1d"] = c => c.Check(x => F.conv_transpose1d(x[0], x[1], x[2], stride: 2, padding: 1, output_padding: 1),
            c.Normal(1, 2, 4), c.Normal(2, 3, 3), c.Normal(3)),
        ["conv_transpose2d"] = c => c.Check(x => F.conv_transpose2d(x[0], x[1], x[2], stride: (2, 2), padding: (1, 1), output_padding: (1, 0)),
            c.Normal(1, 2, 3, 3), c.Normal(2, 2, 3, 3), c.Normal(2)),
        ["embedding"] = c => c.Check(x => F.embedding(Longs([0, 2, 2, 4, 1, 0], 2, 3), x[0]), c.Normal(5, 3)),
        ["layer_norm"] = c => c.Check(x => F.layer_norm(x[0], [3, 4], x[1], x[2]), c.Normal(2, 3, 4), c.Normal(3, 4), c.Normal(3, 4)),
        ["group_norm"] = c => c.Check(x => F.group_norm(x[0], 2, x[1], x[2]), c.Normal(2, 4, 3), c.Normal(4), c.Normal(4)),
        ["dropout_p0_training"] = c => c.Check(x => F.dropout(x[0], 0.0, training: true), c.Normal(3, 4)),
        ["dropout_eval"] = c => c.Check(x => F.dropout(x[0], 0.5, training: false), c.Normal(3, 4)),
        ["prelu"] = c => c.Check(x => F.prelu(x[0], x[1]), c.AwayFromZero(2, 3, 4), c.Normal(3)),
        ["lstm"] = c =>
        {
            const int features = 3, hidden = 2, layers = 2, directions = 2, batch = 2, steps = 3;
            var weights = new List<Tensor>();
            for (var layer = 0; layer < layers; layer++)
                for (var direction = 0; direction < directions; direction++)
                {
                    var inputSize = layer == 0 ? features : hidden * directions;
                    weights.AddRange([c.Normal(4 * hidden, inputSize), c.Normal(4 * hidden, hidden), c.Normal(4 * hidden), c.Normal(4 * hidden)]);
                }
            c.Check(x =>
            {
                var (output, h, cell) = F.lstm(x[0], x[1], x[2], x[3..], has_biases: true, num_layers: layers, dropout: 0,
                    training: false, bidirectional: true, batch_first: true);
                return cat([output.flatten(), h.flatten(), cell.flatten()]);
            }, [c.Normal(batch, steps, features), c.Normal(layers * directions, batch, hidden), c.Normal(layers * directions, batch, hidden), .. weights]);
        },
        ["cross_entropy"] = c => c.Check(x => F.cross_entropy(x[0], Longs([0, 3, -100, 1, -100]), label_smoothing: 0.1), c.Normal(5, 4)),
        ["cross_entropy_weighted_nd"] = c =>
        {
            var weight = tensor(new[] { 0.5, 2.0, 1.0 });
            c.Check(x => F.cross_entropy(x[0], Longs([0, 1, 2, 2], 2, 2), weight, ignore_index: 1, reduction: Reduction.Sum, label_smoothing: 0.1),
                c.Normal(2, 3, 2));
        },
        ["nll_loss"] = c => c.Check(x => F.nll_loss(x[0], Longs([0, 2, -100, 1])), c.Normal(4, 3)),
        ["nll_loss_weighted"] = c =>
        {
            var weight = tensor(new[] { 0.5, 2.0, 1.0 });
            c.Check(x => F.nll_loss(x[0], Longs([0, 2, 1, 1]), weight, ignore_index: 1, reduction: Reduction.Sum), c.Normal(4, 3));
        },
        ["mse_loss"] = c => c.Check(x => F.mse_loss(x[0], x[1]), c.Normal(3, 4), c.Normal(3, 4)),
        ["mse_loss_none"] = c => c.Check(x => F.mse_loss(x[0], x[1], Reduction.None), c.Normal(3, 4), c.Normal(3, 4)),
        ["l1_loss"] = c =>
        {
            var input = c.RandN(3, 4);
            var target = input + c.Offsets(3, 4);
            c.Check(x => F.l1_loss(x[0], x[1], Reduction.Sum), Case.Leaf(input), Case.Leaf(target));
        },
        ["smooth_l1_loss"] = c =>
        {
            // Differences on both sides of beta = 1 and away from it, where the loss switches branch.
            var input = c.RandN(2, 4);
            var difference = tensor(new[] { 0.3, -0.6, 1.4, -2.1, -0.2, 0.8, -1.7, 2.5 }, 2, 4);
            var target = input + difference;
            c.Check(x => F.smooth_l1_loss(x[0], x[1]), Case.Leaf(input), Case.Leaf(target));
        },
        ["smooth_l1_loss_none"] = c =>
        {
            var input = c.RandN(2, 4);
            var difference = tensor(new[] { 0.3, -0.6, 1.4, -2.1, -0.2, 0.8, -1.7, 2.5 }, 2, 4);
            var target = input + difference;
            c.Check(x => F.smooth_l1_loss(x[0], x[1], Reduction.None), Case.Leaf(input), Case.Leaf(target));
        },
        ["binary_cross_entropy_with_logits"] = c => c.Check(x => F.binary_cross_entropy_with_logits(x[0], x[1]),
            c.Normal(3, 4), Case.Leaf(c.Rand(3, 4))),
        ["unfold_im2col"] = c => c.Check(x => F.unfold(x[0], (2, 3), padding: (1, 0), stride: (2, 1)), c.Normal(1, 2, 4, 4)),
        ["fold_col2im"] = c => c.Check(x => F.fold(x[0], (4, 5), (2, 2)), c.Normal(1, 8, 12)),
        ["stft"] = c =>
        {
            var window = hann_window(8, dtype: DType.Float64);
            c.Check(x => stft(x[0], 8, hop_length: 2, window: window).view_as_real(), c.Normal(16));
        },
        ["istft"] = c =>
        {
            // A spectrogram that really is an STFT; istft is linear in it, so perturbing one bin is fine.
            var window = hann_window(8, dtype: DType.Float64);
            var spectrogram = Case.Leaf(stft(c.RandN(16), 8, hop_length: 2, window: window));
            c.Check(x => istft(x[0], 8, hop_length: 2, window: window, length: 16), spectrogram);
        },
    };

    /// <summary>Values at least 0.05 from the clamp bounds ±0.5 on either side.</summary>
    private static Tensor ClampInput() => Case.Fixed([-1.3, -0.8, -0.4, -0.1, 0.2, 0.35, 0.7, 1.1], 2, 4);
}
