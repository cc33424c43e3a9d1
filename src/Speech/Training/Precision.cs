namespace Cluster.Speech.Training;

/// <summary>The arithmetic a training step is asked to run in; <see cref="TrainingPrecision.Resolve"/> decides what a device actually gets.</summary>
public enum Precision
{
    /// <summary>Everything in float32.</summary>
    Float32,

    /// <summary>bfloat16 autocast with float32 master weights; no loss scaling (bfloat16 has float32's exponent range).</summary>
    BFloat16,

    /// <summary>float16 autocast with float32 master weights and dynamic loss scaling (steps whose gradients overflow are skipped).</summary>
    Float16,
}
