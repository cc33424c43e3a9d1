namespace Cluster.Torch.Optim;

/// <summary>
/// The warmup schedules of Hugging Face Transformers (<c>get_*_schedule_with_warmup</c>), as <see cref="LambdaLR"/>
/// multipliers written with the same operations in the same order, so the rates agree bit for bit.
/// </summary>
public static class Schedules
{
    /// <summary>Rises linearly from 0 over <paramref name="warmupSteps"/>, then falls linearly to 0 at <paramref name="totalSteps"/>.</summary>
    public static LambdaLR LinearWithWarmup(ILearningRateTarget target, int warmupSteps, int totalSteps)
    {
        CheckSteps(warmupSteps, totalSteps);
        return LinearWithWarmup(target, warmupSteps, () => totalSteps);
    }

    /// <summary>
    /// The same schedule with the total read at every step: a job that trains for a number of epochs learns its length
    /// from its first epoch's plan, after the optimizer exists. Until the total is known (0) the rate after the warm-up
    /// is the base rate.
    /// </summary>
    public static LambdaLR LinearWithWarmup(ILearningRateTarget target, int warmupSteps, Func<int> totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentNullException.ThrowIfNull(totalSteps);
        return new LambdaLR(target, step =>
        {
            if (step < warmupSteps) return Warmup(step, warmupSteps);
            int total = totalSteps();
            return total <= 0 ? 1.0 : Math.Max(0.0, (double)(total - step) / Math.Max(1, total - warmupSteps));
        });
    }

    /// <summary>Rises linearly from 0 over <paramref name="warmupSteps"/>, then stays at the base rate.</summary>
    public static LambdaLR ConstantWithWarmup(ILearningRateTarget target, int warmupSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        return new LambdaLR(target, step => step < warmupSteps ? Warmup(step, warmupSteps) : 1.0);
    }

    /// <summary>
    /// Rises linearly from 0 over <paramref name="warmupSteps"/>, then follows a cosine through
    /// <paramref name="numCycles"/> periods by <paramref name="totalSteps"/> (0.5: half a period, down to 0), never below 0.
    /// </summary>
    public static LambdaLR CosineWithWarmup(ILearningRateTarget target, int warmupSteps, int totalSteps, double numCycles = 0.5)
    {
        CheckSteps(warmupSteps, totalSteps);
        if (!double.IsFinite(numCycles) || numCycles < 0)
            throw new ArgumentOutOfRangeException(nameof(numCycles), numCycles, "must be finite and non-negative");
        return new LambdaLR(target, step =>
        {
            if (step < warmupSteps)
                return Warmup(step, warmupSteps);
            var progress = (double)(step - warmupSteps) / Math.Max(1, totalSteps - warmupSteps);
            return Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * numCycles * 2.0 * progress)));
        });
    }

    private static double Warmup(int step, int warmupSteps) => (double)step / Math.Max(1, warmupSteps);

    private static void CheckSteps(int warmupSteps, int totalSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(warmupSteps, totalSteps);
    }
}
