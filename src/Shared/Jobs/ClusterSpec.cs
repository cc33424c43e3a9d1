namespace Cluster.Shared.Jobs;

/// <summary>
/// The cluster the job asks for and how its nodes authenticate. The secret itself is never in the spec, only where
/// to find it: exactly one of <see cref="SecretFile"/> and <see cref="SecretEnv"/> is set.
/// </summary>
public sealed record ClusterSpec
{
    public int DataNodes { get; init; } = 1;

    public int GpuNodes { get; init; } = 1;

    /// <summary>Batches a trainer lets data nodes send ahead of what it has consumed.</summary>
    public int CreditsPerTrainer { get; init; } = 4;

    /// <summary>Batches each data node the coordinator starts builds at once (its CPUs, as a pod's CPU limit would
    /// be); null: as many as the machine has cores. Nodes started elsewhere take <c>--workers</c>.</summary>
    public int? DataNodeWorkers { get; init; }

    /// <summary>Threads each trainer's libtorch runs its operators on; null: libtorch's default (every core). Several
    /// CPU trainers or data nodes on one machine share its cores, as torchrun's OMP_NUM_THREADS does.</summary>
    public int? TrainerThreads { get; init; }

    /// <summary>Freed CPU tensor memory (GiB) each CPU trainer keeps for its next steps instead of returning it to the
    /// kernel (Cluster.Torch.CpuMemoryCache); 0 keeps none; null: half of the memory the trainer may use.</summary>
    public double? CpuMemoryCacheGiB { get; init; }

    public string? SecretFile { get; init; }

    public string? SecretEnv { get; init; } = "CLUSTER_SECRET";
}
