using static Cluster.Torch.torch;
using F = Cluster.Torch.torch.nn.functional;

namespace Cluster.Torch.Tests;

/// <summary>torch.autocast on CPU: eligible ops run in bfloat16 inside a region, regions nest and restore, bad requests fail.</summary>
public sealed class AutocastTests
{
    [Fact]
    public void Matmul_inside_a_CPU_bfloat16_region_returns_bfloat16_close_to_float32()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(1);
        var a = randn([32, 64], generator: generator);
        var b = randn([64, 16], generator: generator);
        var reference = a.matmul(b);
        Assert.Equal(DType.Float32, reference.dtype);

        Tensor low;
        using (autocast(DeviceType.CPU, bfloat16))
        {
            Assert.True(is_autocast_enabled(DeviceType.CPU));
            Assert.Equal(DType.BFloat16, get_autocast_dtype(DeviceType.CPU));
            low = a.matmul(b);
            Assert.Equal(DType.BFloat16, F.linear(a, b.t()).dtype);
        }
        Assert.Equal(DType.BFloat16, low.dtype);
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        Assert.Equal(DType.Float32, a.matmul(b).dtype);

        // bfloat16 keeps 8 significant bits: inputs and products are rounded to about 0.4 %.
        var error = (low.to(DType.Float32) - reference).abs().max().item<float>();
        var magnitude = reference.abs().max().item<float>();
        Assert.True(error <= 0.02 * magnitude, $"bfloat16 matmul is off by {error} at magnitude {magnitude}");
        Assert.True(error > 0, "the region did not change the precision");
    }

    [Fact]
    public void Nested_regions_restore_the_enclosing_state()
    {
        using var scope = NewDisposeScope();
        var a = ones(4, 4);
        using (autocast(DeviceType.CPU, bfloat16))
        {
            using (autocast(DeviceType.CPU, enabled: false))
            {
                Assert.False(is_autocast_enabled(DeviceType.CPU));
                Assert.Equal(DType.Float32, a.matmul(a).dtype);
                // An inner region without a dtype takes the current one.
                using (autocast(DeviceType.CPU)) Assert.Equal(DType.BFloat16, a.matmul(a).dtype);
                Assert.False(is_autocast_enabled(DeviceType.CPU));
            }
            Assert.True(is_autocast_enabled(DeviceType.CPU));
            Assert.Equal(DType.BFloat16, a.matmul(a).dtype);
        }
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        Assert.Equal(DType.Float32, a.matmul(a).dtype);
    }

    [Fact]
    public void Disposing_a_region_twice_restores_once()
    {
        using var outer = autocast(DeviceType.CPU, bfloat16);
        var inner = autocast(DeviceType.CPU, enabled: false);
        inner.Dispose();
        inner.Dispose();
        Assert.True(is_autocast_enabled(DeviceType.CPU));
    }

    [Fact]
    public void Unsupported_requests_fail_clearly_and_change_nothing()
    {
        var cpuHalf = Assert.Throws<TorchException>(() => autocast(DeviceType.CPU, float16));
        Assert.Equal(TorchErrorKind.Value, cpuHalf.Kind);
        Assert.Contains("CPU autocast supports only bfloat16", cpuHalf.Message);
        Assert.False(is_autocast_enabled(DeviceType.CPU));
        // A disabled region ignores the dtype.
        using (autocast(DeviceType.CPU, float16, enabled: false)) Assert.False(is_autocast_enabled(DeviceType.CPU));
    }

    [SkippableFact]
    public void CUDA_autocast_without_CUDA_fails_clearly()
    {
        Skip.If(cuda.is_available(), "CUDA is available here: nothing missing to report");
        var noCuda = Assert.Throws<TorchException>(() => autocast(DeviceType.CUDA, float16));
        Assert.Equal(TorchErrorKind.Value, noCuda.Kind);
        Assert.Contains("CUDA is not available", noCuda.Message);
        Assert.False(is_autocast_enabled(DeviceType.CUDA));
    }

    /// <summary>
    /// A block checkpointed inside a region and backpropagated outside it is recomputed in bfloat16 again, so its
    /// gradients equal those of the plain bfloat16 graph.
    /// </summary>
    [Fact]
    public void Checkpoint_recomputes_under_the_autocast_state_of_the_forward()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(9);
        using var weight = new Parameter(randn([24, 24], generator: generator) * 0.2);
        var x = randn([8, 24], generator: generator).requires_grad_();
        Tensor[] Block(Tensor[] inputs) => [F.linear(F.linear(inputs[0], weight).tanh(), weight)];

        (float[] input, float[] weight) Run(bool checkpointed)
        {
            x.grad = null;
            weight.grad = null;
            Tensor y;
            using (autocast(DeviceType.CPU, bfloat16)) y = checkpointed ? utils.checkpoint(Block, x)[0] : Block([x])[0];
            Assert.Equal(DType.BFloat16, y.dtype);
            y.to(DType.Float32).square().sum().backward();
            return (x.grad!.ToArray<float>(), weight.grad!.ToArray<float>());
        }

        var plain = Run(checkpointed: false);
        var checkpointed = Run(checkpointed: true);
        Assert.Equal(plain.input, checkpointed.input);
        Assert.Equal(plain.weight, checkpointed.weight);
    }
}
