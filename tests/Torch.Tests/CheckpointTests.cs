using System.Runtime.CompilerServices;
using static Cluster.Torch.torch;
using F = Cluster.Torch.torch.nn.functional;

namespace Cluster.Torch.Tests;

/// <summary>
/// torch.utils.checkpoint: the recomputed backward gives the gradients of the plain graph, for inputs and for the
/// parameters used inside the blocks; failures of the managed block come back as exceptions; the managed function is
/// released with the graph. Tests reading the global random stream or the process RSS are in <see cref="CheckpointSerialTests"/>.
/// </summary>
public sealed class CheckpointTests
{
    private const int Blocks = 4;
    private const int Width = 16;

    /// <summary>A residual two-layer block per stage; block i owns parameters [4i, 4i + 4).</summary>
    private static Parameter[] NewParameters(Generator generator)
    {
        var parameters = new List<Parameter>();
        for (var i = 0; i < Blocks; i++)
        {
            using var scope = NewDisposeScope();
            parameters.Add(new Parameter(randn([Width, Width], DType.Float64, generator: generator) * 0.4));
            parameters.Add(new Parameter(randn([Width], DType.Float64, generator: generator) * 0.1));
            parameters.Add(new Parameter(randn([Width, Width], DType.Float64, generator: generator) * 0.4));
            parameters.Add(new Parameter(randn([Width], DType.Float64, generator: generator) * 0.1));
        }
        return [.. parameters];
    }

    /// <summary>Two inputs, two outputs: the residual stream and a running sum of block outputs.</summary>
    private static Tensor[] Block(Parameter[] p, int i, Tensor[] x)
    {
        var hidden = F.linear(x[0], p[4 * i], p[4 * i + 1]).tanh();
        var update = F.linear(hidden, p[4 * i + 2], p[4 * i + 3]);
        var stream = x[0] + update;
        return [stream, x[1] + stream.square()];
    }

    private static Tensor Run(Parameter[] parameters, Tensor x, bool checkpointed)
    {
        Tensor[] state = [x, zeros_like(x)];
        for (var i = 0; i < Blocks; i++)
        {
            var block = i;
            state = checkpointed ? utils.checkpoint(inputs => Block(parameters, block, inputs), state) : Block(parameters, block, state);
        }
        return state[0].sum() + state[1].mean();
    }

    [Fact]
    public void Gradients_of_a_checkpointed_MLP_equal_the_plain_graph_for_inputs_and_parameters()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(11);
        var parameters = NewParameters(generator);
        var x = randn([8, Width], DType.Float64, generator: generator).requires_grad_();

        var plainLoss = Run(parameters, x, checkpointed: false);
        plainLoss.backward();
        var plainInput = x.grad!.ToArray<double>();
        var plainParameters = parameters.Select(p => p.grad!.ToArray<double>()).ToArray();
        x.grad = null;
        foreach (var p in parameters) p.grad = null;

        var loss = Run(parameters, x, checkpointed: true);
        Assert.True(loss.requires_grad);
        Assert.Equal(plainLoss.item<double>(), loss.item<double>());
        loss.backward();

        AssertClose(plainInput, x.grad!.ToArray<double>(), "input");
        for (var i = 0; i < parameters.Length; i++)
        {
            var grad = parameters[i].grad;
            Assert.True(grad is not null, $"parameter {i} got no gradient through the checkpoint");
            AssertClose(plainParameters[i], grad.ToArray<double>(), $"parameter {i}");
        }
        foreach (var p in parameters) p.Dispose();
    }

    [Fact]
    public void Without_an_input_that_requires_grad_the_outputs_do_not_require_grad_as_in_PyTorch()
    {
        using var scope = NewDisposeScope();
        using var weight = new Parameter(ones(3));
        var outputs = utils.checkpoint(x => [x[0] * weight], ones(3));
        Assert.False(outputs[0].requires_grad);
        Assert.Equal(new float[] { 1, 1, 1 }, outputs[0].ToArray<float>());
    }

    [Fact]
    public void An_exception_in_the_forward_run_surfaces_as_a_TorchException_with_its_message()
    {
        using var scope = NewDisposeScope();
        var x = ones(2).requires_grad_();
        var error = Assert.Throws<TorchException>(() => utils.checkpoint(_ => throw new InvalidOperationException("block exploded"), x));
        Assert.Contains("checkpointed function failed: InvalidOperationException: block exploded", error.Message);
        Assert.Equal(4.0, (x * 2).sum().item<double>());
    }

    [Fact]
    public void An_exception_in_the_recomputation_surfaces_from_backward()
    {
        using var scope = NewDisposeScope();
        var x = ones(2).requires_grad_();
        var calls = 0;
        var y = utils.checkpoint(a => ++calls == 2 ? throw new ArithmeticException("recompute exploded") : [a[0] * 3], x)[0];
        var error = Assert.Throws<TorchException>(() => y.sum().backward());
        Assert.Contains("checkpointed function failed: ArithmeticException: recompute exploded", error.Message);
        Assert.Equal(2, calls);
    }

    [Fact]
    public void Malformed_results_are_reported()
    {
        using var scope = NewDisposeScope();
        var x = ones(2).requires_grad_();
        var tooMany = Assert.Throws<TorchException>(() => utils.checkpoint(a => [.. Enumerable.Range(0, 65).Select(_ => a[0] * 2)], x));
        Assert.Contains("the function returned 65 tensors; at most 64 are supported", tooMany.Message);
        var none = Assert.Throws<TorchException>(() => utils.checkpoint(_ => [], x));
        Assert.Contains("checkpointed function returned no tensors", none.Message);
        var nullOutput = Assert.Throws<TorchException>(() => utils.checkpoint(_ => [null!], x));
        Assert.Contains("output 0 of the function is null", nullOutput.Message);
    }

    [Fact]
    public void A_function_returning_a_different_number_of_tensors_when_recomputed_is_refused()
    {
        using var scope = NewDisposeScope();
        var x = ones(2).requires_grad_();
        var calls = 0;
        var y = utils.checkpoint(a => ++calls == 1 ? [a[0] * 2] : [a[0] * 2, a[0] * 3], x)[0];
        var error = Assert.Throws<TorchException>(() => y.sum().backward());
        Assert.Contains("returned 2 tensors when recomputed but 1 in the forward pass", error.Message);
    }

    [Fact]
    public void The_block_temporaries_are_disposed_and_the_outputs_belong_to_the_callers_scope()
    {
        var temporaries = new List<Tensor>();
        Tensor output;
        using (var scope = NewDisposeScope())
        {
            var x = ones(4).requires_grad_();
            output = utils.checkpoint(a =>
            {
                var doubled = a[0] * 2;
                temporaries.AddRange([a[0], doubled]);
                return [doubled + 1];
            }, x)[0];
            Assert.All(temporaries, t => Assert.True(t.IsDisposed));
            Assert.False(output.IsDisposed);
            output.sum().backward();
            Assert.Equal(new float[] { 2, 2, 2, 2 }, x.grad!.ToArray<float>());
        }
        Assert.True(output.IsDisposed);
    }

    [Fact]
    public void The_function_is_released_with_its_graph_and_at_once_on_failure()
    {
        var released = CheckpointAndDropGraph(fail: false);
        var releasedAfterFailure = CheckpointAndDropGraph(fail: true);
        for (var i = 0; i < 10 && (released.IsAlive || releasedAfterFailure.IsAlive); i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(released.IsAlive, "the checkpointed function outlived its graph");
        Assert.False(releasedAfterFailure.IsAlive, "the checkpointed function outlived a failed call");
    }

    /// <summary>Returns a weak reference to an object only the function's closure holds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference CheckpointAndDropGraph(bool fail)
    {
        var payload = new object();
        using var scope = NewDisposeScope();
        var x = ones(2).requires_grad_();
        Func<Tensor[], Tensor[]> function = a => fail ? throw new InvalidOperationException(payload.ToString()) : [a[0] * 2];
        if (fail)
            Assert.Throws<TorchException>(() => utils.checkpoint(function, x));
        else
            Assert.True(utils.checkpoint(function, x)[0].requires_grad);
        return new WeakReference(payload);
    }

    [Fact]
    public void Checkpoint_refuses_autograd_grad_whose_gradients_it_would_leak_into_parameters()
    {
        using var scope = NewDisposeScope();
        var x = ones(2).requires_grad_();
        var y = utils.checkpoint(a => [a[0] * 3], x)[0];
        var error = Assert.Throws<TorchException>(() => autograd.grad([y.sum()], [x]));
        Assert.Contains("checkpoint is not compatible with autograd.grad()", error.Message);
    }

    [Fact]
    public void Autograd_grad_returns_gradients_without_touching_dot_grad()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2.0, 3.0 }).requires_grad_();
        var unused = tensor(new[] { 5.0 }).requires_grad_();
        var y = x.pow(3).sum();
        var grads = autograd.grad([y], [x, unused], retain_graph: true, create_graph: true, allow_unused: true);
        Assert.Equal(new[] { 3.0, 12.0, 27.0 }, grads[0]!.ToArray<double>());
        Assert.Null(grads[1]);
        Assert.Null(x.grad);
        var second = autograd.grad([grads[0]!], [x], [ones_like(x)]);
        Assert.Equal(new[] { 6.0, 12.0, 18.0 }, second[0]!.ToArray<double>());
        var error = Assert.Throws<TorchException>(() => autograd.grad([y], [unused]));
        Assert.Contains("appears to not have been used in the graph", error.Message);
    }

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"{what}[{i}]: plain {expected[i]:R}, checkpointed {actual[i]:R}");
    }
}
