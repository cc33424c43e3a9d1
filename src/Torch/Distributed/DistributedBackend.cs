namespace Cluster.Torch.Distributed;

/// <summary>The collective library of a <see cref="ProcessGroup"/> (codes mirror <c>ts_backend</c>).</summary>
public enum DistributedBackend
{
    /// <summary>Gloo: CPU tensors over TCP.</summary>
    Gloo = 0,

    /// <summary>NCCL: CUDA tensors; only in a shim built against a CUDA libtorch.</summary>
    Nccl = 1,
}
