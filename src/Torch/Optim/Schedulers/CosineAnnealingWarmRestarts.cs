namespace Cluster.Torch.Optim;

/// <summary>
/// SGDR: anneals each group's rate from its base rate towards <c>etaMin</c> along a half cosine, restarting at the
/// base rate after <c>t0</c> epochs, then after <c>t0 * tMult</c> more, and so on.
/// </summary>
public sealed class CosineAnnealingWarmRestarts : LRScheduler
{
    private readonly int _tMult;
    private readonly double _etaMin;

    // Epochs since the last restart and the length of the current cycle (PyTorch's T_cur and T_i). Cycle lengths
    // grow geometrically, so they are kept in 64 bits.
    private long _tCur;
    private long _tI;

    public CosineAnnealingWarmRestarts(ILearningRateTarget target, int t0, int tMult = 1, double etaMin = 0)
        : base(target)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(t0);
        ArgumentOutOfRangeException.ThrowIfLessThan(tMult, 1);
        if (!(etaMin >= 0) || double.IsPositiveInfinity(etaMin))
            throw new ArgumentOutOfRangeException(nameof(etaMin), etaMin, "must be finite and non-negative");
        _tMult = tMult;
        _etaMin = etaMin;
        _tI = t0;
        InitialStep();
    }

    protected override double ComputeLearningRate(int group) =>
        _etaMin + (BaseLearningRates[group] - _etaMin) * (1 + Math.Cos(Math.PI * _tCur / _tI)) / 2;

    protected override void OnEpochAdvanced()
    {
        _tCur++;
        if (_tCur >= _tI)
        {
            _tCur -= _tI;
            _tI = checked(_tI * _tMult);
        }
    }

    protected override void SaveExtraState(IDictionary<string, double> extra)
    {
        extra["T_cur"] = _tCur;
        extra["T_i"] = _tI;
    }

    protected override void LoadExtraState(SchedulerState state)
    {
        var tCur = state.Require("T_cur");
        var tI = state.Require("T_i");
        if (!(tI >= 1) || !(tCur >= 0 && tCur < tI) || tCur != Math.Floor(tCur) || tI != Math.Floor(tI))
            throw new ArgumentException($"scheduler state has T_cur {tCur} and T_i {tI}, not 0 <= T_cur < T_i integers", nameof(state));
        _tCur = (long)tCur;
        _tI = (long)tI;
    }
}
