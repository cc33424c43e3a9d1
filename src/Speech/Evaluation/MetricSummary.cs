namespace Cluster.Speech.Evaluation;

/// <summary>Count, mean, standard deviation and median of one metric over a set of utterances.</summary>
/// <param name="StandardDeviation">Population standard deviation (numpy's default, ddof = 0): the spread of this
/// set, not an estimate for a larger one.</param>
/// <param name="Median">The middle value, or the mean of the two middle values for an even count.</param>
public sealed record MetricSummary(int Count, double Mean, double StandardDeviation, double Median)
{
    /// <summary>The summary of <paramref name="values"/>; all NaN when there are none.</summary>
    public static MetricSummary Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double[] sorted = [.. values.Order()];
        if (sorted.Length == 0) return new MetricSummary(0, double.NaN, double.NaN, double.NaN);
        double mean = sorted.Average();
        double variance = sorted.Sum(x => (x - mean) * (x - mean)) / sorted.Length;
        int middle = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new MetricSummary(sorted.Length, mean, Math.Sqrt(variance), median);
    }
}
