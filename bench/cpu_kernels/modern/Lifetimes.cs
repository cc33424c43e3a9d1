namespace Cluster.Bench.CpuKernels.Modern;

using static TorchSharp.torch;

/// <summary>
/// Python frees an intermediate tensor as soon as its last reference goes; a TorchSharp handle keeps its
/// storage alive until it is disposed. A single dispose scope around the whole training step would hold
/// every intermediate of the forward until the step ends: a higher peak and, worse, freshly faulted pages
/// for every allocation, where Python's allocator reuses what it just freed. So each module-sized piece of
/// the forward runs in its own scope that releases its temporaries on return (autograd keeps what backward
/// needs through its own references), which puts the ports' memory lifetimes close to the references'.
/// </summary>
internal static class Lifetimes
{
    /// <summary>Runs <paramref name="body"/>, disposes the tensors it made, and hands its result to the enclosing scope.</summary>
    public static Tensor Scoped(Func<Tensor> body)
    {
        using var scope = NewDisposeScope();
        return body().MoveToOuterDisposeScope();
    }
}
