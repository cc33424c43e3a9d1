using System.Diagnostics;
using Xunit.Abstractions;
using static Cluster.Torch.torch;
using F = Cluster.Torch.torch.nn.functional;

namespace Cluster.Torch.Tests;

/// <summary>Runs alone: other tests allocating at the same time would move the process RSS this class measures.</summary>
[CollectionDefinition(nameof(MemoryTests), DisableParallelization = true)]
public sealed class MemoryCollection;

[Collection(nameof(MemoryTests))]
public sealed class MemoryTests(ITestOutputHelper output)
{
    private const int Steps = 20_000;
    // glibc settles its arenas over the first ten thousand steps (more so while other test processes
    // load the CPU); measuring after that keeps the bound about leaks, not allocator warm-up.
    private const int WarmUpSteps = 10_000;
    private const long AllowedGrowthBytes = 20L << 20;
    private const double LearningRate = 0.05;

    /// <summary>
    /// A small MLP trained by hand (plain leaf parameters, manual SGD under no_grad), each step in its
    /// own dispose scope. If any handle of a step escaped its scope, the 10 000 steps after the warm-up
    /// would leave tens of MB of tensors and autograd graphs behind; the bound is 20 MB.
    /// </summary>
    [Fact]
    public void Twenty_thousand_scoped_training_steps_grow_rss_by_less_than_20_MB()
    {
        using var generator = new Generator(7);
        // Created outside any scope: the parameters live across steps and are disposed here.
        using var w1 = randn([32, 16], DType.Float32, generator: generator).mul_(0.25).requires_grad_();
        using var b1 = zeros([32], requires_grad: true);
        using var w2 = randn([1, 32], DType.Float32, generator: generator).mul_(0.25).requires_grad_();
        using var b2 = zeros([1], requires_grad: true);
        using var x = randn([8, 16], DType.Float32, generator: generator);
        using var target = randn([8, 1], DType.Float32, generator: generator);
        Tensor[] parameters = [w1, b1, w2, b2];

        var clock = Stopwatch.StartNew();
        var first = CheckedStep(parameters, x, target);
        for (var i = 1; i < WarmUpSteps; i++) Step(parameters, x, target, null);
        var before = ResidentBytes();
        for (var i = WarmUpSteps; i < Steps - 1; i++) Step(parameters, x, target, null);
        var last = CheckedStep(parameters, x, target);
        clock.Stop();
        var after = ResidentBytes();

        var growth = after - before;
        output.WriteLine($"RSS after warm-up {before / 1e6:F1} MB, after {Steps} steps {after / 1e6:F1} MB, growth {growth / 1e6:F2} MB; " +
                         $"{Steps} steps took {clock.Elapsed.TotalSeconds:F1} s; loss {first:F4} -> {last:F4}");
        Assert.True(growth < AllowedGrowthBytes, $"RSS grew by {growth / 1e6:F1} MB over {Steps - WarmUpSteps} steps (bound 20 MB)");
        Assert.True(last < first, $"training did not lower the loss ({first} -> {last}); the updates were not applied");
        Assert.All(parameters, p => Assert.False(p.IsDisposed));
    }

    /// <summary>One step whose temporaries are kept, to show the scope owned and disposed every one of them.</summary>
    private static double CheckedStep(Tensor[] parameters, Tensor x, Tensor target)
    {
        var temporaries = new List<Tensor>();
        var (count, loss) = Step(parameters, x, target, temporaries);
        Assert.True(count > 0);
        Assert.Equal(temporaries.Count, count);
        Assert.All(temporaries, t => Assert.True(t.IsDisposed));
        return loss;
    }

    /// <summary>Returns how many tensors the step's scope held just before it ended, and the loss.</summary>
    private static (int count, double loss) Step(Tensor[] parameters, Tensor x, Tensor target, List<Tensor>? temporaries)
    {
        using var scope = NewDisposeScope();
        var (w1, b1, w2, b2) = (parameters[0], parameters[1], parameters[2], parameters[3]);
        var projected = F.linear(x, w1, b1);
        var hidden = F.gelu(projected);
        var prediction = F.linear(hidden, w2, b2);
        var loss = F.mse_loss(prediction, target);
        loss.backward();
        temporaries?.AddRange([projected, hidden, prediction, loss]);
        using (no_grad())
        {
            foreach (var p in parameters)
            {
                var gradient = p.grad!;
                var update = gradient * LearningRate;
                p.sub_(update);
                p.zero_grad();
                temporaries?.AddRange([gradient, update]);
            }
        }
        // Reading the loss costs a synchronous copy, so only the checked steps do it.
        return (scope.Count, temporaries is null ? 0 : loss.item<double>());
    }

    internal static long ResidentBytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        // statm's second field is the resident set in pages.
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1]) * Environment.SystemPageSize;
    }
}
