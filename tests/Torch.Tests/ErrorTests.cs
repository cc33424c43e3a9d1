using System.Collections.Concurrent;
using static Cluster.Torch.torch;
using F = Cluster.Torch.torch.nn.functional;

namespace Cluster.Torch.Tests;

/// <summary>
/// Failures inside libtorch arrive as typed exceptions carrying libtorch's own message, the process
/// keeps running, and the thread-local error slot of the shim never bleeds into the next call.
/// </summary>
public sealed class ErrorTests
{
    /// <summary>
    /// A call that succeeds right after a failure. The grad getter is the sharpest probe: the shim
    /// answers "no gradient" with NULL and an empty error slot, so a slot left over from the failure
    /// would turn that NULL into an exception here.
    /// </summary>
    private static void AssertNextCallSucceeds()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new[] { 1.0, 2.0, 3.0 }).requires_grad_();
        Assert.Null(x.grad);
        Assert.Equal(14.0, (x * x).sum().item<double>());
    }

    private static TorchException AssertTorchError(Action action, TorchErrorKind kind, string nativeWording)
    {
        TorchException error;
        using (NewDisposeScope()) error = Assert.ThrowsAny<TorchException>(action);
        Assert.Equal(kind, error.Kind);
        Assert.Contains(nativeWording, error.Message);
        AssertNextCallSucceeds();
        return error;
    }

    [Fact]
    public void Shape_mismatches_raise_torch_exceptions_with_libtorch_wording()
    {
        AssertTorchError(() => ones(2, 3).add(ones(4, 5)), TorchErrorKind.Torch,
            "The size of tensor a (3) must match the size of tensor b (5) at non-singleton dimension 1");
        AssertTorchError(() => ones(2, 3).matmul(ones(4, 5)), TorchErrorKind.Torch, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
        AssertTorchError(() => F.linear(ones(2, 3), ones(4, 5)), TorchErrorKind.Torch, "mat1 and mat2 shapes cannot be multiplied (2x3 and 5x4)");
        AssertTorchError(() => F.linear(ones(2, 3), ones(4, 3), ones(5)), TorchErrorKind.Torch, "must match the existing size (5)");
        AssertTorchError(() => F.conv2d(ones(1, 3, 5, 5), ones(4, 2, 3, 3)), TorchErrorKind.Torch,
            "expected input[1, 3, 5, 5] to have 2 channels, but got 3 channels instead");
        AssertTorchError(() => F.conv1d(ones(1, 2, 2), ones(4, 2, 3)), TorchErrorKind.Torch, "Kernel size can't be greater than actual input size");
        AssertTorchError(() => cat([ones(2, 3), ones(2, 4)]), TorchErrorKind.Torch, "Sizes of tensors must match except in dimension 0");
        AssertTorchError(() => ones(2, 3).t().view(6), TorchErrorKind.Torch, "Use .reshape(...) instead");
    }

    [Fact]
    public void Dtype_mismatches_raise_torch_exceptions_with_libtorch_wording()
    {
        AssertTorchError(() => ones([2, 2], DType.Float32).mm(ones([2, 2], DType.Float64)), TorchErrorKind.Torch,
            "expected scalar type Float but found Double");
        // Float targets mean class probabilities, which must have the logits' shape; libtorch raises a ValueError.
        AssertTorchError(() => F.cross_entropy(ones(4, 3), ones(5, 2)), TorchErrorKind.Value,
            "Expected input batch_size (4) to match target batch_size (5)");
        AssertTorchError(() => F.nll_loss(ones(4, 3), ones(4)), TorchErrorKind.Torch, "expected scalar type Long but found Float");
        AssertTorchError(() => F.embedding(ones(3), ones(5, 2)), TorchErrorKind.Torch,
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int");
    }

    [Fact]
    public void Indices_out_of_range_raise_index_kind()
    {
        AssertTorchError(() => ones(2, 3).select(0, 5), TorchErrorKind.Index, "index 5 out of range for tensor of size [2, 3] at dimension 0");
        AssertTorchError(() => ones(2, 3).index_select(0, tensor(new long[] { 7 })), TorchErrorKind.Index, "index out of range in self");
        AssertTorchError(() => ones(2, 3)[tensor(new long[] { 7 })].Dispose(), TorchErrorKind.Index, "index 7 is out of bounds for dimension 0 with size 2");
        AssertTorchError(() => F.embedding(tensor(new long[] { 9 }), ones(5, 2)), TorchErrorKind.Index, "index out of range in self");
        AssertTorchError(() => ones(2, 3).slice(4, 0, 1), TorchErrorKind.Index, "Dimension out of range");
        // Rejected by the binding before any native call, with the same kind.
        var tooMany = Assert.Throws<IndexException>(() => ones(2)[0, 0]);
        Assert.Equal(TorchErrorKind.Index, tooMany.Kind);
        AssertNextCallSucceeds();
    }

    [Fact]
    public void Backward_twice_without_retain_graph_names_the_second_pass()
    {
        using var scope = NewDisposeScope();
        var x = ones([2], requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        AssertTorchError(() => y.backward(), TorchErrorKind.Torch, "backward through the graph a second time");
        var z = (x * x).sum();
        z.backward(retain_graph: true);
        z.backward();
        Assert.Equal(new[] { 6.0f, 6.0f }, x.grad!.ToArray<float>());
    }

    [Fact]
    public void Autograd_misuse_raises_torch_exceptions()
    {
        const string floatingOnly = "Only Tensors of floating point and complex dtype can require gradients";
        AssertTorchError(() => arange(3).requires_grad = true, TorchErrorKind.Torch, floatingOnly);
        AssertTorchError(() => zeros([3], DType.Int64, requires_grad: true), TorchErrorKind.Torch, floatingOnly);
        AssertTorchError(() => (ones([2], requires_grad: true) * 2).backward(), TorchErrorKind.Torch,
            "grad can be implicitly created only for scalar outputs");
        AssertTorchError(() => ones(2).sum().backward(), TorchErrorKind.Torch, "does not require grad and does not have a grad_fn");
    }

    // ---- use after dispose ---------------------------------------------------------------------

    public static TheoryData<string> EntryPoints => [.. UsesOfDisposed.Keys];

    /// <summary>Every way a disposed tensor can reach the binding: (disposed, live) → the use.</summary>
    private static readonly Dictionary<string, Action<Tensor, Tensor>> UsesOfDisposed = new()
    {
        ["instance op"] = (dead, live) => dead.sum(),
        ["instance op with a dead argument"] = (dead, live) => live.add(dead),
        ["in-place op"] = (dead, live) => dead.relu_(),
        ["in-place op with a dead argument"] = (dead, live) => live.mul_(dead),
        ["copy_ from a dead source"] = (dead, live) => live.copy_(dead),
        ["operator"] = (dead, live) => _ = live + dead,
        ["scalar operator"] = (dead, live) => _ = 2.0 / dead,
        ["indexer get"] = (dead, live) => _ = dead[0],
        ["indexer set with a dead value"] = (dead, live) => live[0] = dead,
        ["indexer with a dead index"] = (dead, live) => _ = live[dead],
        ["static op"] = (dead, live) => cat([live, dead]),
        ["static op, optional argument"] = (dead, live) => F.linear(live, live, dead),
        ["static op, tensor list"] = (dead, live) => F.lstm(live.reshape(1, 1, 1), null, null, [live.expand(4, 1), dead, live.expand(4), live.expand(4)],
            has_biases: true, num_layers: 1, dropout: 0, training: false, bidirectional: false, batch_first: false),
        ["einsum"] = (dead, live) => einsum("i,i->", live, dead),
        ["shape"] = (dead, live) => _ = dead.shape,
        ["dtype"] = (dead, live) => _ = dead.dtype,
        ["device"] = (dead, live) => _ = dead.device,
        ["numel"] = (dead, live) => dead.numel(),
        ["requires_grad get"] = (dead, live) => _ = dead.requires_grad,
        ["requires_grad set"] = (dead, live) => dead.requires_grad = true,
        ["is_leaf"] = (dead, live) => _ = dead.is_leaf,
        ["grad get"] = (dead, live) => _ = dead.grad,
        ["grad set with a dead value"] = (dead, live) => live.grad = dead,
        ["backward"] = (dead, live) => dead.backward(),
        ["backward with a dead gradient"] = (dead, live) => live.backward(dead),
        ["item"] = (dead, live) => dead.item<float>(),
        ["ToArray"] = (dead, live) => dead.ToArray<float>(),
        ["alias"] = (dead, live) => dead.alias(),
        ["detach"] = (dead, live) => dead.detach(),
        ["to"] = (dead, live) => dead.to(DType.Float64),
        ["Parameter"] = (dead, live) => _ = new Parameter(dead),
    };

    [Theory]
    [MemberData(nameof(EntryPoints))]
    public void Use_after_dispose_raises_object_disposed(string entryPoint)
    {
        using var scope = NewDisposeScope();
        var live = ones([1], requires_grad: true);
        Tensor dead;
        // Disposed by its scope, the usual way a tensor dies in a training step.
        using (NewDisposeScope()) dead = ones([1]);
        Assert.True(dead.IsDisposed);
        var error = Assert.Throws<ObjectDisposedException>(() => UsesOfDisposed[entryPoint](dead, live));
        Assert.Contains("disposed", error.Message);
        Assert.Equal("tensor(disposed)", dead.ToString());
        dead.Dispose();
        Assert.False(live.IsDisposed);
        AssertNextCallSucceeds();
    }

    // ---- threads -------------------------------------------------------------------------------

    [Fact]
    public void Concurrent_errors_each_keep_their_own_message()
    {
        const int threads = 4, rounds = 50;
        var mismatches = new ConcurrentQueue<string>();
        using var barrier = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            for (var round = 0; round < rounds; round++)
            {
                var index = 1000 * (t + 1) + round;
                barrier.SignalAndWait();
                try
                {
                    using var scope = NewDisposeScope();
                    ones(2, 3).select(0, index);
                    mismatches.Enqueue($"thread {t}: select({index}) did not fail");
                }
                catch (TorchException e) when (e.Kind == TorchErrorKind.Index)
                {
                    if (!e.Message.Contains($"index {index} out of range")) mismatches.Enqueue($"thread {t} expected index {index}, got: {e.Message}");
                }
                catch (Exception e)
                {
                    mismatches.Enqueue($"thread {t}: select({index}) threw {e.GetType().Name}: {e.Message}");
                }
                try
                {
                    AssertNextCallSucceeds();
                }
                catch (Exception e)
                {
                    mismatches.Enqueue($"thread {t}: call after the failure threw {e.Message}");
                }
            }
        })).ToArray();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) worker.Join();
        Assert.Empty(mismatches);
    }
}
