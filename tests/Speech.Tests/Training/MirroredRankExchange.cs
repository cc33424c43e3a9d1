using Cluster.Speech.Training;
using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests.Training;

/// <summary>A data-parallel exchange with one imaginary peer that always holds exactly what this rank holds: every sum
/// doubles. Stands in for a process group in tests of the training steps.</summary>
internal sealed class MirroredRankExchange : IGradientExchange
{
    public int GradientExchanges { get; private set; }

    public double Sum(double local) => 2 * local;

    public void SumGradients(IReadOnlyList<Parameter> parameters)
    {
        GradientExchanges++;
        using var scope = NewDisposeScope();
        using (no_grad())
        {
            foreach (var parameter in parameters)
            {
                if (parameter.grad is { } gradient) gradient.mul_(2);
            }
        }
    }
}
