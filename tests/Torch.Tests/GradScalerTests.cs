using Cluster.Torch.Amp;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

/// <summary>GradScaler: overflowing steps are skipped and back the scale off, clean steps grow it, unscaling is exact.</summary>
public sealed class GradScalerTests
{
    private static readonly float[] Inputs = [1, 2, -1, 0.5f, 3, -2, 0, 1, 2, 2, -1, -3];
    private static readonly float[] Targets = [1, -2, 4, 0.5f];
    private static readonly float[] Initial = [0.5f, -0.25f, 1];

    private static Parameter NewWeight()
    {
        using var scope = NewDisposeScope();
        return new Parameter(tensor(Initial));
    }

    private static Tensor Loss(Tensor weight) => (tensor(Inputs, 4, 3).matmul(weight) - tensor(Targets)).square().mean();

    [Fact]
    public void An_overflowing_step_is_skipped_and_halves_the_scale()
    {
        using var scope = NewDisposeScope();
        using var weight = NewWeight();
        using var optimizer = optim.SGD([("w", weight)], lr: 0.1);
        // 2^127: the scaled gradients exceed float32, as float16 gradients overflow at much smaller scales.
        var scaler = new GradScaler(init_scale: Math.Pow(2, 127));
        scaler.scale(Loss(weight)).backward();
        using (var grad = weight.grad!) Assert.Contains(grad.ToArray<float>(), g => float.IsInfinity(g));

        Assert.False(scaler.step(optimizer));
        Assert.Equal(Initial, weight.ToArray<float>());
        scaler.update();
        Assert.Equal(Math.Pow(2, 126), scaler.get_scale());
        Assert.Equal(0, scaler.state_dict()!.growth_tracker);
    }

    [Fact]
    public void A_NaN_gradient_skips_the_step_too()
    {
        using var scope = NewDisposeScope();
        using var weight = NewWeight();
        using var optimizer = optim.SGD([("w", weight)], lr: 0.1);
        var scaler = new GradScaler(init_scale: 8);
        weight.grad = tensor(new[] { 1f, float.NaN, 2f });
        Assert.False(scaler.step(optimizer));
        Assert.Equal(Initial, weight.ToArray<float>());
        scaler.update();
        Assert.Equal(4.0, scaler.get_scale());
    }

    [Fact]
    public void Clean_steps_grow_the_scale_after_the_growth_interval()
    {
        using var scope = NewDisposeScope();
        using var weight = NewWeight();
        using var optimizer = optim.SGD([("w", weight)], lr: 0.01);
        var scaler = new GradScaler(init_scale: 1024, growth_interval: 3);
        var scales = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            optimizer.zero_grad();
            scaler.scale(Loss(weight)).backward();
            Assert.True(scaler.step(optimizer));
            scaler.update();
            scales.Add(scaler.get_scale());
        }
        Assert.Equal([1024, 1024, 2048, 2048, 2048, 4096, 4096], scales);
        Assert.Equal(1, scaler.state_dict()!.growth_tracker);
    }

    [Fact]
    public void Unscaled_gradients_and_the_step_equal_the_unscaled_computation()
    {
        using var scope = NewDisposeScope();
        using var plainWeight = NewWeight();
        using var plainOptimizer = optim.SGD([("w", plainWeight)], lr: 0.1);
        Loss(plainWeight).backward();
        var plainGrad = plainWeight.grad!.ToArray<float>();
        plainOptimizer.step();

        using var weight = NewWeight();
        using var optimizer = optim.SGD([("w", weight)], lr: 0.1);
        var scaler = new GradScaler();
        var scaled = scaler.scale(Loss(weight));
        Assert.Equal(Loss(weight).item<float>() * 65536f, scaled.item<float>());
        scaled.backward();
        scaler.unscale_(optimizer);
        // A power-of-two scale makes scaling and unscaling exact.
        Assert.Equal(plainGrad, weight.grad!.ToArray<float>());
        Assert.True(scaler.step(optimizer));
        Assert.Equal(plainWeight.ToArray<float>(), weight.ToArray<float>());
        scaler.update();
    }

    [Fact]
    public void The_state_round_trips_through_state_dict()
    {
        using var scope = NewDisposeScope();
        using var weight = NewWeight();
        using var optimizer = optim.SGD([("w", weight)], lr: 0.01);
        var scaler = new GradScaler(init_scale: 256, growth_factor: 4, backoff_factor: 0.25, growth_interval: 5);
        for (var i = 0; i < 7; i++)
        {
            optimizer.zero_grad();
            scaler.scale(Loss(weight)).backward();
            scaler.step(optimizer);
            scaler.update();
        }
        var state = scaler.state_dict()!;
        Assert.Equal(new GradScalerState(1024, 4, 0.25, 5, 2), state);

        var restored = new GradScaler();
        restored.load_state_dict(state);
        Assert.Equal(state, restored.state_dict());
        Assert.Equal(1024, restored.get_scale());

        var disabled = new GradScaler(enabled: false);
        Assert.Null(disabled.state_dict());
        disabled.load_state_dict(state);
        Assert.Equal(1.0, disabled.get_scale());
        Assert.Throws<ArgumentException>(() => restored.load_state_dict(null));
        Assert.Throws<ArgumentOutOfRangeException>(() => restored.load_state_dict(state with { growth_factor = 1 }));
    }

    [Fact]
    public void Calls_out_of_order_are_refused()
    {
        using var scope = NewDisposeScope();
        using var weight = NewWeight();
        using var optimizer = optim.SGD([("w", weight)], lr: 0.01);
        var scaler = new GradScaler();
        Assert.Equal("No inf checks were recorded prior to update.", Assert.Throws<InvalidOperationException>(() => scaler.update()).Message);
        scaler.scale(Loss(weight)).backward();
        scaler.unscale_(optimizer);
        Assert.Contains("already been called", Assert.Throws<InvalidOperationException>(() => scaler.unscale_(optimizer)).Message);
        scaler.step(optimizer);
        Assert.Contains("has already been called since the last update", Assert.Throws<InvalidOperationException>(() => scaler.step(optimizer)).Message);
        Assert.Contains("after step()", Assert.Throws<InvalidOperationException>(() => scaler.unscale_(optimizer)).Message);
        scaler.update();

        using var half = new Parameter(ones([3], DType.Float16));
        using var halfOptimizer = optim.SGD([("h", half)], lr: 0.01);
        half.grad = ones([3], DType.Float16);
        Assert.Contains("FP16 gradients", Assert.Throws<InvalidOperationException>(() => scaler.unscale_(halfOptimizer)).Message);
    }

    [Fact]
    public void A_disabled_scaler_passes_everything_through()
    {
        using var scope = NewDisposeScope();
        using var weight = NewWeight();
        using var optimizer = optim.SGD([("w", weight)], lr: 0.1);
        var scaler = amp.GradScaler(enabled: false);
        var loss = Loss(weight);
        Assert.Same(loss, scaler.scale(loss));
        loss.backward();
        scaler.unscale_(optimizer);
        Assert.True(scaler.step(optimizer));
        scaler.update();
        Assert.NotEqual(Initial, weight.ToArray<float>());
        Assert.False(scaler.is_enabled());
    }
}
