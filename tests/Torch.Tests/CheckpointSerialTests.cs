using System.Diagnostics;
using Xunit.Abstractions;
using static Cluster.Torch.torch;
using F = Cluster.Torch.torch.nn.functional;

namespace Cluster.Torch.Tests;

/// <summary>
/// Checkpointing tests that read the global random stream (dropout has no generator argument) or the process RSS, so
/// they run alone, in the collection of <see cref="MemoryTests"/>.
/// </summary>
[Collection(nameof(MemoryTests))]
public sealed class CheckpointSerialTests(ITestOutputHelper output)
{
    /// <summary>
    /// Dropout inside a checkpointed block draws its mask twice, in the forward run and in the recomputation; with the
    /// random state of the forward restored for the recomputation both masks agree, so the gradients equal those of the
    /// plain graph run from the same seed. The random stream afterwards continues as if backward had drawn nothing.
    /// </summary>
    [Fact]
    public void Dropout_inside_a_checkpointed_block_gives_the_gradients_of_the_plain_graph()
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator(5);
        using var weight = new Parameter(randn([32, 32], DType.Float64, generator: generator) * 0.2);
        var x = randn([16, 32], DType.Float64, generator: generator).requires_grad_();
        Tensor[] Block(Tensor[] inputs) => [F.dropout(F.linear(inputs[0], weight).tanh(), 0.5, training: true)];

        (double[] input, double[] weight, double loss) Run(bool checkpointed, ulong seed = 2024)
        {
            x.grad = null;
            weight.grad = null;
            manual_seed(seed);
            var h = x;
            for (var i = 0; i < 3; i++) h = checkpointed ? utils.checkpoint(Block, h)[0] : Block([h])[0];
            var loss = h.square().sum();
            var before = get_rng_state();
            loss.backward();
            Assert.Equal(before, get_rng_state());
            return (x.grad!.ToArray<double>(), weight.grad!.ToArray<double>(), loss.item<double>());
        }

        var plain = Run(checkpointed: false);
        var checkpointed = Run(checkpointed: true);
        Assert.Equal(plain.loss, checkpointed.loss);
        Assert.Equal(plain.input, checkpointed.input);
        Assert.Equal(plain.weight, checkpointed.weight);
        // The equality is not trivial: other masks give other gradients.
        Assert.NotEqual(plain.input, Run(checkpointed: false, seed: 7).input);
    }

    private const int MemoryBlocks = 4;
    private const long Batch = 64;
    private const long Features = 1024;
    private const long Expansion = 136;

    /// <summary>
    /// Four blocks that widen a [64, 1024] float input to [64, 139264] (36 MB) and keep three such activations alive
    /// (two saved for backward, one more held by the caller's dispose scope until the step ends): about 430 MB after
    /// the plain forward, against only the 256 KiB input of each block with checkpointing. RSS after the forward, before backward, must grow at least five times less with checkpointing.
    /// The activations are above 32 MiB, glibc's ceiling for its adaptive mmap threshold, so each one is mapped on its
    /// own and unmapped when freed, and RSS follows the live tensors; smaller ones would come from a heap that keeps
    /// freed memory resident.
    /// </summary>
    [Fact]
    public void Checkpointing_four_wide_blocks_keeps_forward_memory_at_least_five_times_smaller()
    {
        using var generator = new Generator(3);
        var weights = Enumerable.Range(0, MemoryBlocks)
            .Select(_ => new Parameter(rand([Features * Expansion], generator: generator))).ToArray();
        using var x = randn([Batch, Features], generator: generator).requires_grad_();

        var clock = Stopwatch.StartNew();
        var (plainGrowth, plainGrad) = ForwardGrowth(weights, x, checkpointed: false);
        var (checkpointedGrowth, checkpointedGrad) = ForwardGrowth(weights, x, checkpointed: true);
        clock.Stop();
        output.WriteLine($"RSS growth after the forward: plain {plainGrowth / 1e6:F1} MB, checkpointed {checkpointedGrowth / 1e6:F1} MB; " +
                         $"both runs with backward took {clock.Elapsed.TotalSeconds:F2} s");

        Assert.True(plainGrowth > 200_000_000, $"the plain forward grew RSS by only {plainGrowth / 1e6:F1} MB; the test measures nothing");
        Assert.True(checkpointedGrowth * 5 <= plainGrowth,
            $"checkpointing grew RSS by {checkpointedGrowth / 1e6:F1} MB against {plainGrowth / 1e6:F1} MB without");
        Assert.Equal(plainGrad, checkpointedGrad);
        foreach (var w in weights) w.Dispose();
    }

    private static (long growth, float[] firstWeightGrad) ForwardGrowth(Parameter[] weights, Tensor x, bool checkpointed)
    {
        foreach (var w in weights) w.grad = null;
        x.grad = null;
        using var scope = NewDisposeScope();
        var before = MemoryTests.ResidentBytes();
        var h = x;
        for (var i = 0; i < weights.Length; i++)
        {
            var w = weights[i];
            Tensor[] Block(Tensor[] inputs)
            {
                // Kept for backward: the product's input `wide` and the output of tanh.
                var squashed = (inputs[0].repeat(1, Expansion) * w).tanh();
                return [squashed.view(Batch, Expansion, Features).mean(1)];
            }
            h = checkpointed ? utils.checkpoint(Block, h)[0] : Block([h])[0];
        }
        var loss = h.sum();
        var growth = MemoryTests.ResidentBytes() - before;
        loss.backward();
        using var grad = weights[0].grad!;
        return (growth, grad.ToArray<float>());
    }
}
