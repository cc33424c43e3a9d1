using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

public class GradientReadyHooksTests
{
    [Fact]
    public void Each_parameter_is_reported_once_per_armed_backward_with_its_whole_gradient()
    {
        using var scope = NewDisposeScope();
        var first = nn.Linear(3, 4);
        var second = nn.Linear(4, 2);
        var parameters = first.parameters().Concat(second.parameters()).ToArray();
        var seen = new List<(int Index, float[] Grad)>();
        using var hooks = new GradientReadyHooks([.. parameters.Cast<Tensor>()],
            index => seen.Add((index, parameters[index].grad!.ToArray<float>())));
        var input = randn(5, 3);

        // Disarmed: nothing is reported.
        second.forward(first.forward(input)).sum().backward();
        Assert.Empty(seen);

        // Armed, after a first backward accumulated: the hook sees the sum of both backwards, once per parameter,
        // the last layer's parameters first (backward reaches them first).
        hooks.Armed = true;
        second.forward(first.forward(input)).sum().backward();
        Assert.Equal(parameters.Length, seen.Count);
        Assert.Equal(Enumerable.Range(0, parameters.Length).Order(), seen.Select(s => s.Index).Order());
        Assert.True(seen.FindIndex(s => s.Index >= 2) < seen.FindIndex(s => s.Index < 2), string.Join(",", seen.Select(s => s.Index)));
        foreach (var (index, grad) in seen) Assert.Equal(parameters[index].grad!.ToArray<float>(), grad);
        hooks.Armed = false;
        seen.Clear();
        second.forward(first.forward(input)).sum().backward();
        Assert.Empty(seen);
        hooks.ThrowIfFailed();
    }

    [Fact]
    public void An_exception_in_the_callback_is_kept_for_the_caller_and_backward_completes()
    {
        using var scope = NewDisposeScope();
        var layer = nn.Linear(2, 1);
        var parameters = layer.parameters().ToArray();
        using var hooks = new GradientReadyHooks([.. parameters.Cast<Tensor>()], _ => throw new InvalidDataException("boom"));
        hooks.Armed = true;
        layer.forward(ones(1, 2)).sum().backward();
        Assert.All(parameters, p => Assert.NotNull(p.grad));
        var error = Assert.Throws<InvalidOperationException>(hooks.ThrowIfFailed);
        Assert.Contains("boom", error.Message);
    }

    [Fact]
    public void A_tensor_that_is_not_a_leaf_requiring_grad_is_refused_with_the_reason()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<TorchException>(() => new GradientReadyHooks([zeros(2)], _ => { }));
        Assert.Contains("not a leaf that requires grad", error.Message);
    }
}
