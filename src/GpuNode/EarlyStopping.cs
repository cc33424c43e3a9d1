using Cluster.Shared.Checkpoints;

namespace Cluster.GpuNode;

/// <summary>
/// Patience on the evaluation metric: counts evaluations in a row that did not beat the best so far, and says stop
/// when the count reaches the patience. Restored from a checkpoint's history and counter on resume.
/// </summary>
public sealed class EarlyStopping
{
    /// <param name="patience">Evaluations without improvement before stopping; null never stops.</param>
    /// <param name="mode">Whether lower or higher values are better.</param>
    /// <param name="best">The best value so far (from a checkpoint's history), if any.</param>
    /// <param name="withoutImprovement">The counter a checkpoint saved.</param>
    public EarlyStopping(int? patience, MetricMode mode, double? best = null, int withoutImprovement = 0)
    {
        if (patience is <= 0) throw new ArgumentOutOfRangeException(nameof(patience), patience, "patience must be positive");
        ArgumentOutOfRangeException.ThrowIfNegative(withoutImprovement);
        Patience = patience;
        Mode = mode;
        Best = best;
        WithoutImprovement = withoutImprovement;
    }

    public int? Patience { get; }

    public MetricMode Mode { get; }

    public double? Best { get; private set; }

    public int WithoutImprovement { get; private set; }

    public bool ShouldStop => Patience is { } patience && WithoutImprovement >= patience;

    /// <summary>Records one evaluation; true when it improved on the best. A NaN never improves.</summary>
    public bool Observe(double value)
    {
        bool improved = !double.IsNaN(value) && (Best is not { } best || (Mode == MetricMode.Min ? value < best : value > best));
        if (improved)
        {
            Best = value;
            WithoutImprovement = 0;
        }
        else
        {
            WithoutImprovement++;
        }
        return improved;
    }
}
