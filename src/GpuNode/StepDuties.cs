using Cluster.Shared.Jobs;
using Cluster.Torch;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode;

/// <summary>What a trainer does besides training at a step, and how its ranks talk: decided from the job spec and the
/// device here, so that the actor only asks.</summary>
public static class StepDuties
{
    /// <summary>Rank 0 evaluates after step <paramref name="step"/> (numbered from 1) when the job has evaluation data
    /// and the step is a multiple of <c>evaluation.every_steps</c>.</summary>
    public static bool Evaluates(JobSpec job, long step)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Data.Eval.Count > 0 && step > 0 && step % job.Evaluation.EverySteps == 0;
    }

    /// <summary>Rank 0 checkpoints after step <paramref name="step"/> when it is a multiple of <c>checkpointing.every_steps</c>.</summary>
    public static bool Checkpoints(JobSpec job, long step)
    {
        ArgumentNullException.ThrowIfNull(job);
        return step > 0 && step % job.Checkpointing.EverySteps == 0;
    }

    /// <summary>Gloo between CPU trainers, NCCL between CUDA ones (what torchrun's users get by default).</summary>
    public static DistributedBackend Backend(Device device) => device.Type == DeviceType.CPU ? DistributedBackend.Gloo : DistributedBackend.Nccl;
}
