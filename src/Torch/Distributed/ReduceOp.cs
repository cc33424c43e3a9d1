namespace Cluster.Torch.Distributed;

/// <summary>How <see cref="ProcessGroup.AllReduce(Tensor, ReduceOp)"/> combines the ranks' values (codes mirror <c>ts_collective_op</c>).</summary>
public enum ReduceOp
{
    Sum = 0,

    /// <summary>Sum divided by the world size; floating-point tensors only (Gloo has no average of its own).</summary>
    Avg = 1,
    Max = 2,
    Min = 3,
    Product = 4,
}
