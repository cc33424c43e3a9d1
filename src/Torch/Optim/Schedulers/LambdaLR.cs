namespace Cluster.Torch.Optim;

/// <summary>Sets each group's rate to its base rate times <c>lrLambda(epoch)</c>.</summary>
public sealed class LambdaLR : LRScheduler
{
    private readonly Func<int, double>[] _lrLambdas;

    /// <summary>One multiplier function shared by every group.</summary>
    public LambdaLR(ILearningRateTarget target, Func<int, double> lrLambda)
        : base(target)
    {
        ArgumentNullException.ThrowIfNull(lrLambda);
        _lrLambdas = Enumerable.Repeat(lrLambda, BaseLearningRates.Count).ToArray();
        InitialStep();
    }

    /// <summary>One multiplier function per group, in group order.</summary>
    public LambdaLR(ILearningRateTarget target, IReadOnlyList<Func<int, double>> lrLambdas)
        : base(target)
    {
        ArgumentNullException.ThrowIfNull(lrLambdas);
        if (lrLambdas.Count != BaseLearningRates.Count)
            throw new ArgumentException(
                $"expected {BaseLearningRates.Count} lr lambdas, one per group, got {lrLambdas.Count}", nameof(lrLambdas));
        _lrLambdas = new Func<int, double>[lrLambdas.Count];
        for (var group = 0; group < _lrLambdas.Length; group++)
            _lrLambdas[group] = lrLambdas[group]
                ?? throw new ArgumentException($"lr lambda of group {group} is null", nameof(lrLambdas));
        InitialStep();
    }

    protected override double ComputeLearningRate(int group) =>
        BaseLearningRates[group] * _lrLambdas[group](LastEpoch);
}
