using Cluster.Torch;

namespace Cluster.Speech.Training;

/// <summary>
/// How a training step computes on one device: the autocast dtype (null: float32 throughout), whether the loss is
/// scaled dynamically, and in words why, for the run's log. Parameters always stay float32 (master weights).
/// </summary>
/// <param name="Device">Where the model and its batches live.</param>
/// <param name="Requested">What the run asked for.</param>
/// <param name="AutocastDType">The reduced dtype autocast runs eligible operations in; null for none.</param>
/// <param name="LossScaling">Whether a <see cref="Cluster.Torch.Amp.GradScaler"/> scales the loss and skips steps with
/// non-finite gradients.</param>
/// <param name="Decision">One line saying what was chosen and, where it differs from <paramref name="Requested"/>, why.</param>
public sealed record TrainingPrecision(Device Device, Precision Requested, DType? AutocastDType, bool LossScaling, string Decision)
{
    /// <summary>
    /// CPU: float32 whatever was asked. libtorch's CPU autocast covers bfloat16 only, and without native bfloat16
    /// arithmetic it runs slower than float32, so a reduced precision asked for on the CPU falls back to float32 and the
    /// decision says so. CUDA: bfloat16 autocast, or float16 autocast with dynamic loss scaling, as asked.
    /// </summary>
    public static TrainingPrecision Resolve(Precision requested, Device device)
    {
        if (!Enum.IsDefined(requested)) throw new ArgumentOutOfRangeException(nameof(requested), requested, "unknown precision");
        if (device.Type == DeviceType.CPU)
        {
            var decision = requested == Precision.Float32
                ? "precision: float32 on the CPU"
                : $"precision: {requested} was asked for, but the CPU trains in float32 (no reduced-precision arithmetic worth using there); running float32";
            return new TrainingPrecision(device, requested, null, false, decision);
        }
        return requested switch
        {
            Precision.BFloat16 => new TrainingPrecision(device, requested, DType.BFloat16, false, $"precision: bfloat16 autocast on {device}, float32 master weights"),
            Precision.Float16 => new TrainingPrecision(device, requested, DType.Float16, true, $"precision: float16 autocast with dynamic loss scaling on {device}, float32 master weights"),
            _ => new TrainingPrecision(device, requested, null, false, $"precision: float32 on {device}"),
        };
    }
}
