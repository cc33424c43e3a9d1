using Cluster.Speech.Training;
using Cluster.Torch;
using Cluster.Torch.Distributed;
using static Cluster.Torch.torch;

namespace Cluster.GpuNode;

/// <summary>
/// The data-parallel exchange over a c10d process group: scalar sums in float64, gradients summed in buckets
/// (<see cref="GradientBuckets"/>). As DistributedDataParallel does, a bucket's all-reduce starts during the step's last
/// backward as soon as backward has finished every gradient in it (<see cref="GradientReadyHooks"/>), so communication
/// overlaps the rest of backward; <see cref="SumGradients"/> starts the buckets left and waits for all. Buckets start in
/// their fixed order on every rank, whatever order the gradients finish in, so the ranks' collectives always pair up.
/// </summary>
public sealed class ProcessGroupExchange : IGradientExchange, IDisposable
{
    private readonly ProcessGroup group;
    private readonly Device device;
    private readonly long bucketBytes;
    private readonly object gate = new();
    private readonly List<CollectiveWork> started = [];
    private IReadOnlyList<Parameter>? planned;
    private IReadOnlyList<IReadOnlyList<int>> buckets = [];
    private int[] bucketOf = [];
    private GradientReadyHooks? hooks;
    // Per step: the gradient each parameter's hook saw, how many gradients each bucket still waits for, and the next
    // bucket to start.
    private Tensor?[] gradients = [];
    private int[] waitingIn = [];
    private int nextBucket;

    /// <param name="device">Where the scalars travel (NCCL needs them on the GPU).</param>
    public ProcessGroupExchange(ProcessGroup group, Device device, long bucketBytes = GradientBuckets.DefaultBucketBytes)
    {
        ArgumentNullException.ThrowIfNull(group);
        this.group = group;
        this.device = device;
        this.bucketBytes = bucketBytes;
    }

    /// <summary>How many buckets of the last step started before <see cref="SumGradients"/> was called (during
    /// backward).</summary>
    public int BucketsStartedDuringBackward { get; private set; }

    public double Sum(double local)
    {
        using var scope = NewDisposeScope();
        var value = scalar_tensor(local, DType.Float64, device);
        group.AllReduce(value);
        return value.item<double>();
    }

    public void BeforeLastBackward(IReadOnlyList<Parameter> parameters)
    {
        Plan(parameters);
        if (hooks is null)
        {
            // Only leaves that require grad have an accumulator to hook; the others wait for SumGradients.
            int[] hooked = [.. Enumerable.Range(0, parameters.Count).Where(i => parameters[i].requires_grad)];
            hooks = new GradientReadyHooks([.. hooked.Select(i => (Tensor)parameters[i])], h => OnGradientReady(hooked[h]));
        }
        lock (gate)
        {
            Array.Clear(gradients);
            for (int b = 0; b < buckets.Count; b++) waitingIn[b] = buckets[b].Count;
            nextBucket = 0;
        }
        hooks.Armed = true;
    }

    public void SumGradients(IReadOnlyList<Parameter> parameters)
    {
        Plan(parameters);
        bool overlapped = hooks is { Armed: true };
        if (overlapped) hooks!.Armed = false;
        try
        {
            hooks?.ThrowIfFailed();
            lock (gate)
            {
                if (!overlapped)
                {
                    Array.Clear(gradients);
                    nextBucket = 0;
                }
                BucketsStartedDuringBackward = nextBucket;
                for (int i = 0; i < parameters.Count; i++)
                {
                    if (gradients[i] is not null) continue;
                    // A parameter this rank did not reach still takes part, so every rank's buckets hold the same tensors.
                    parameters[i].grad ??= zeros_like(parameters[i]);
                    gradients[i] = parameters[i].grad!.DetachFromDisposeScope();
                }
                while (nextBucket < buckets.Count) Start(nextBucket++);
            }
            foreach (var work in started) work.Wait();
        }
        finally
        {
            foreach (var work in started) work.Dispose();
            started.Clear();
            foreach (var gradient in gradients) gradient?.Dispose();
            Array.Clear(gradients);
        }
    }

    public void Dispose() => hooks?.Dispose();

    /// <summary>The buckets of this parameter list: fixed for the exchange's life, the same on every rank.</summary>
    private void Plan(IReadOnlyList<Parameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (planned is not null)
        {
            if (!ReferenceEquals(planned, parameters) && !planned.SequenceEqual(parameters))
                throw new InvalidOperationException("an exchange sums the gradients of one parameter list; this is another");
            return;
        }
        planned = parameters;
        buckets = GradientBuckets.Plan([.. parameters.Select(p => p.numel() * p.dtype.ElementSize())], bucketBytes);
        bucketOf = new int[parameters.Count];
        for (int b = 0; b < buckets.Count; b++)
        {
            foreach (int i in buckets[b]) bucketOf[i] = b;
        }
        gradients = new Tensor?[parameters.Count];
        waitingIn = new int[buckets.Count];
    }

    /// <summary>On the thread running backward: the parameter's gradient is final; start every bucket that is complete
    /// and whose predecessors have started.</summary>
    private void OnGradientReady(int index)
    {
        lock (gate)
        {
            if (gradients[index] is not null) return;
            gradients[index] = planned![index].grad!.DetachFromDisposeScope();
            waitingIn[bucketOf[index]]--;
            while (nextBucket < buckets.Count && waitingIn[nextBucket] == 0) Start(nextBucket++);
        }
    }

    private void Start(int bucket) => started.Add(group.BeginAllReduceCoalesced([.. buckets[bucket].Select(i => gradients[i]!)]));
}
