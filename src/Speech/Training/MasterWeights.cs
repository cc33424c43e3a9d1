using Cluster.Torch;
using Cluster.Torch.Modules;

namespace Cluster.Speech.Training;

internal static class MasterWeights
{
    /// <summary>Mixed precision keeps float32 parameters on the device the precision was resolved for.</summary>
    /// <exception cref="ArgumentException">A parameter is not float32 or lives on another device.</exception>
    public static void Require(Module model, TrainingPrecision precision)
    {
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (parameter.dtype != DType.Float32)
                throw new ArgumentException($"parameter '{name}' is {parameter.dtype}: mixed precision keeps float32 master weights and casts under autocast", nameof(model));
            if (parameter.device.Type != precision.Device.Type)
                throw new ArgumentException($"parameter '{name}' is on {parameter.device}, but the precision was resolved for {precision.Device}", nameof(model));
        }
    }
}
