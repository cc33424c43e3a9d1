using Cluster.Speech.Training;
using Cluster.Torch;
using Cluster.Torch.Distributed;
using static Cluster.Torch.torch;

namespace Cluster.GpuNode;

/// <summary>
/// The data-parallel exchange over a c10d process group: scalar sums in float64, gradients summed in buckets
/// (<see cref="GradientBuckets"/>), all buckets issued before waiting on any, so the transfers of one overlap the
/// reduction of the next.
/// </summary>
public sealed class ProcessGroupExchange : IGradientExchange
{
    private readonly ProcessGroup group;
    private readonly Device device;
    private readonly long bucketBytes;
    private IReadOnlyList<IReadOnlyList<int>>? buckets;

    /// <param name="device">Where the scalars travel (NCCL needs them on the GPU).</param>
    public ProcessGroupExchange(ProcessGroup group, Device device, long bucketBytes = GradientBuckets.DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(group);
        this.group = group;
        this.device = device;
        this.bucketBytes = bucketBytes;
    }

    public double Sum(double local)
    {
        using var scope = NewDisposeScope();
        var value = scalar_tensor(local, DType.Float64, device);
        group.AllReduce(value);
        return value.item<double>();
    }

    public void SumGradients(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var scope = NewDisposeScope();
        var gradients = new Tensor[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            var gradient = parameters[i].grad;
            if (gradient is null)
            {
                // A parameter this rank did not reach still takes part, so every rank's buckets hold the same tensors.
                parameters[i].grad = zeros_like(parameters[i]);
                gradient = parameters[i].grad!;
            }
            gradients[i] = gradient;
        }
        buckets ??= GradientBuckets.Plan([.. gradients.Select(g => g.numel() * g.dtype.ElementSize())], bucketBytes);
        var works = new List<CollectiveWork>(buckets.Count);
        try
        {
            foreach (var bucket in buckets) works.Add(group.BeginAllReduceCoalesced([.. bucket.Select(i => gradients[i])]));
            foreach (var work in works) work.Wait();
        }
        finally
        {
            foreach (var work in works) work.Dispose();
        }
    }
}
