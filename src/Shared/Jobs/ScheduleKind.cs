namespace Cluster.Shared.Jobs;

/// <summary>Learning-rate schedules, each after linear warm-up.</summary>
public enum ScheduleKind
{
    /// <summary>Constant after warm-up.</summary>
    Constant,

    /// <summary>Linear decay to zero at the last step (Hugging Face's default).</summary>
    Linear,

    /// <summary>SGDR: cosine annealing restarted after T0 steps, each period Tmult times longer.</summary>
    CosineWarmRestarts,
}
