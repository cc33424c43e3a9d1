namespace Cluster.Speech.Evaluation;

/// <summary>How <see cref="EnhancementEvaluation"/> batches and how many examples its report plots.</summary>
public sealed record EnhancementEvaluationOptions
{
    public static EnhancementEvaluationOptions Default { get; } = new();

    /// <summary>Pairs per <see cref="IEnhancer.Enhance"/> call.</summary>
    public int BatchSize
    {
        get;
        init => field = value > 0 ? value : throw new ArgumentOutOfRangeException(nameof(BatchSize), value, "must be positive");
    } = 4;

    /// <summary>How many of the best and how many of the worst pairs by SI-SNRi the report keeps with their audio
    /// and plots. Only these are held in memory, whatever the size of the set.</summary>
    public int PlotCount
    {
        get;
        init => field = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(PlotCount), value, "must not be negative");
    } = 5;
}
