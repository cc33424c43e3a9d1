namespace Cluster.Torch.Optim;

/// <summary>
/// Anneals each group's rate from its base rate to <c>etaMin</c> along a half cosine over <c>tMax</c> epochs, then
/// back up over the next <c>tMax</c>, and so on (SGDR without restarts).
/// </summary>
/// <remarks>
/// Uses PyTorch's recursive form, which scales the optimizer's current rate, rather than the closed form: the two
/// differ by rounding, and the recursive one also follows changes made to the rate by anyone else. PyTorch's branch
/// for a first step at a positive epoch has no counterpart because construction here always starts at epoch 0.
/// </remarks>
public sealed class CosineAnnealingLR : LRScheduler
{
    private readonly int _tMax;
    private readonly double _etaMin;

    public CosineAnnealingLR(ILearningRateTarget target, int tMax, double etaMin = 0)
        : base(target)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tMax);
        if (!(etaMin >= 0) || double.IsPositiveInfinity(etaMin))
            throw new ArgumentOutOfRangeException(nameof(etaMin), etaMin, "must be finite and non-negative");
        _tMax = tMax;
        _etaMin = etaMin;
        InitialStep();
    }

    protected override double ComputeLearningRate(int group)
    {
        var lr = Target.GetLearningRate(group);
        if (LastEpoch == 0)
            return lr;
        // Python's % floors where C#'s truncates, but both leave 0 exactly on multiples, which is all this asks.
        if ((LastEpoch - 1L - _tMax) % (2L * _tMax) == 0)
            return lr + (BaseLearningRates[group] - _etaMin) * (1 - Math.Cos(Math.PI / _tMax)) / 2;
        return (1 + Math.Cos(Math.PI * LastEpoch / _tMax)) / (1 + Math.Cos(Math.PI * (LastEpoch - 1) / _tMax))
            * (lr - _etaMin) + _etaMin;
    }
}
