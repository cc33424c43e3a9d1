namespace Cluster.Torch.Distributed;

/// <summary>The collective library of a <see cref="ProcessGroup"/> (codes mirror <c>ts_backend</c>).</summary>
public enum DistributedBackend
{
    /// <summary>Gloo: CPU tensors over TCP.</summary>
    Gloo = 0,

    /// <summary>
    /// NCCL: CUDA tensors; only in a shim built against a CUDA libtorch with nccl.h. One process per
    /// GPU, chosen with CUDA_VISIBLE_DEVICES: a barrier (and the shape check before it) runs on the
    /// current CUDA device, which the shim leaves at device 0.
    /// </summary>
    Nccl = 1,
}
