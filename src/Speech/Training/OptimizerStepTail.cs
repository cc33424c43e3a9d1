using Cluster.Torch.Amp;
using Cluster.Torch;
using Cluster.Torch.Optim;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Training;

/// <summary>
/// What every training step does after backward: unscale (with loss scaling), clip, step the optimizer unless a
/// gradient is not finite, and advance the schedule only on taken steps.
/// </summary>
internal static class OptimizerStepTail
{
    public static (double Norm, bool Taken) Run(Optimizer optimizer, LRScheduler? scheduler, GradScaler? scaler,
        IReadOnlyList<Parameter> parameters, double maxGradNorm)
    {
        bool taken;
        double norm;
        if (scaler is not null)
        {
            scaler.unscale_(optimizer);
            norm = nn.utils.clip_grad_norm_(parameters, maxGradNorm);
            taken = scaler.step(optimizer);
            scaler.update();
        }
        else
        {
            norm = nn.utils.clip_grad_norm_(parameters, maxGradNorm);
            taken = double.IsFinite(norm);
            if (taken) optimizer.step();
        }
        if (taken) scheduler?.Step();
        return (norm, taken);
    }
}
