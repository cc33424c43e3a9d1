using System.Diagnostics;

namespace Cluster.Speech.Training;

/// <summary>Seconds one optimizer step spent in each of its phases.</summary>
/// <param name="AllReduce">Time blocked in collectives outside backward: the gradient buckets' all-reduce that backward
/// did not hide, and the sums of counts and loss. Buckets reduced while backward still runs count as backward.</param>
public readonly record struct StepPhaseSeconds(double Forward, double Backward, double AllReduce, double Optimizer);

/// <summary>
/// Splits a step's wall time into phases by laps: each call charges the time since the previous lap to its phase.
/// Host time: on CUDA a phase's kernels may still run after its lap, and their time lands in the phase that next waits
/// for the device (the loss read-back after backward, the optimizer's norm).
/// </summary>
public sealed class StepPhaseClock
{
    private long mark = Stopwatch.GetTimestamp();
    private double forward, backward, allReduce, optimizer;

    public StepPhaseSeconds Phases => new(forward, backward, allReduce, optimizer);

    public void Forward() => forward += Lap();

    public void Backward() => backward += Lap();

    public void AllReduce() => allReduce += Lap();

    public void Optimizer() => optimizer += Lap();

    private double Lap()
    {
        long now = Stopwatch.GetTimestamp();
        double seconds = Stopwatch.GetElapsedTime(mark, now).TotalSeconds;
        mark = now;
        return seconds;
    }
}
