using Cluster.Torch;

namespace Cluster.Speech.Training;

/// <summary>
/// What a data-parallel training step shares with the other ranks between backward and the optimizer step: sums of
/// scalars (the step's example or token count, its loss) and the gradients. With the local loss weighted by
/// local/global count and the gradients summed, every rank ends the step with the gradient of one batch holding the
/// union of all ranks' micro-batches.
/// </summary>
public interface IGradientExchange
{
    /// <summary>The sum of <paramref name="local"/> over all ranks (every rank calls it, in the same order).</summary>
    double Sum(double local);

    /// <summary>Replaces every parameter's gradient by its sum over all ranks; a parameter without a gradient
    /// contributes zeros (it still takes part, so all ranks issue the same collectives).</summary>
    void SumGradients(IReadOnlyList<Parameter> parameters);

    /// <summary>Called just before the step's last backward (its last micro-batch's), with the parameters
    /// <see cref="SumGradients"/> will get: an exchange may start summing the gradients that backward has finished while
    /// it computes the others. <see cref="SumGradients"/> then completes the sum.</summary>
    void BeforeLastBackward(IReadOnlyList<Parameter> parameters)
    {
    }
}
