namespace Cluster.Coordinator.Jobs;

/// <summary>The parts of a job spec the coordinator's decisions depend on.</summary>
/// <param name="ExpectedTrainers">How many GPU nodes the first group waits for.</param>
/// <param name="ShardsPerEpoch">How many shards an epoch is cut into (fewer when it has fewer batches).</param>
public sealed record JobLimits(int? MaxSteps, int? Epochs, int GradientAccumulation, int ExpectedTrainers, int ShardsPerEpoch)
{
    /// <summary>Steps an epoch of <paramref name="batches"/> takes: <c>world size × accumulation</c> batches a step, the
    /// last step taking what is left. The one place the cluster computes it.</summary>
    public int StepsPerEpoch(int batches, int worldSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batches);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(worldSize);
        int perStep = worldSize * GradientAccumulation;
        return (batches + perStep - 1) / perStep;
    }

    /// <summary>The job's length in steps: max_steps, else the steps of an epoch of <paramref name="batchesPerEpoch"/>
    /// at <paramref name="worldSize"/> ranks times the epochs.</summary>
    public int TotalSteps(int batchesPerEpoch, int worldSize) => MaxSteps ?? StepsPerEpoch(batchesPerEpoch, worldSize) * (Epochs ?? 1);

    public void Validate()
    {
        if (MaxSteps is null && Epochs is null) throw new ArgumentException("a job needs schedule.max_steps or schedule.epochs to end");
        if (MaxSteps is <= 0) throw new ArgumentException($"max steps {MaxSteps} must be positive");
        if (Epochs is <= 0) throw new ArgumentException($"epochs {Epochs} must be positive");
        if (GradientAccumulation <= 0) throw new ArgumentException($"gradient accumulation {GradientAccumulation} must be positive");
        if (ExpectedTrainers <= 0) throw new ArgumentException($"expected trainers {ExpectedTrainers} must be positive");
        if (ShardsPerEpoch <= 0) throw new ArgumentException($"shards per epoch {ShardsPerEpoch} must be positive");
    }
}
