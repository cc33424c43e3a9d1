namespace Cluster.Torch.Optim;

/// <summary>
/// Multiplies every group's rate by <c>factor</c> once a metric has failed to improve for more than
/// <c>patience</c> consecutive steps, then ignores <c>cooldown</c> steps. Like PyTorch's, it is not an
/// <see cref="LRScheduler"/>: it has no schedule, only a reaction to the metric, and it leaves the rates alone until
/// the first reduction.
/// </summary>
public sealed class ReduceLROnPlateau
{
    private const string BestKey = "best";
    private const string NumBadEpochsKey = "num_bad_epochs";
    private const string CooldownCounterKey = "cooldown_counter";

    private readonly ILearningRateTarget _target;
    private readonly PlateauMode _mode;
    private readonly double _factor;
    private readonly int _patience;
    private readonly double _threshold;
    private readonly ThresholdMode _thresholdMode;
    private readonly int _cooldown;
    private readonly double[] _minLrs;
    private readonly double _eps;
    private readonly double[] _lastLearningRates;

    /// <summary>One lower bound, <paramref name="minLr"/>, for every group.</summary>
    public ReduceLROnPlateau(
        ILearningRateTarget target,
        PlateauMode mode = PlateauMode.Min,
        double factor = 0.1,
        int patience = 10,
        double threshold = 1e-4,
        ThresholdMode thresholdMode = ThresholdMode.Rel,
        int cooldown = 0,
        double minLr = 0,
        double eps = 1e-8)
        : this(target, mode, factor, patience, threshold, thresholdMode, cooldown,
            Enumerable.Repeat(minLr, target?.GroupCount ?? 0).ToArray(), eps, nameof(minLr))
    {
    }

    /// <summary>A lower bound per group, in group order.</summary>
    public ReduceLROnPlateau(
        ILearningRateTarget target,
        IReadOnlyList<double> minLrs,
        PlateauMode mode = PlateauMode.Min,
        double factor = 0.1,
        int patience = 10,
        double threshold = 1e-4,
        ThresholdMode thresholdMode = ThresholdMode.Rel,
        int cooldown = 0,
        double eps = 1e-8)
        : this(target, mode, factor, patience, threshold, thresholdMode, cooldown,
            minLrs?.ToArray() ?? throw new ArgumentNullException(nameof(minLrs)), eps, nameof(minLrs))
    {
    }

    private ReduceLROnPlateau(
        ILearningRateTarget target,
        PlateauMode mode,
        double factor,
        int patience,
        double threshold,
        ThresholdMode thresholdMode,
        int cooldown,
        double[] minLrs,
        double eps,
        string minLrName)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!Enum.IsDefined(mode))
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown plateau mode");
        if (!(factor >= 0 && factor < 1))
            throw new ArgumentOutOfRangeException(nameof(factor), factor, "must be in [0, 1)");
        ArgumentOutOfRangeException.ThrowIfNegative(patience);
        if (!(threshold >= 0) || double.IsPositiveInfinity(threshold))
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "must be finite and non-negative");
        if (!Enum.IsDefined(thresholdMode))
            throw new ArgumentOutOfRangeException(nameof(thresholdMode), thresholdMode, "unknown threshold mode");
        ArgumentOutOfRangeException.ThrowIfNegative(cooldown);
        if (minLrs.Length != target.GroupCount)
            throw new ArgumentException($"expected {target.GroupCount} min lrs, one per group, got {minLrs.Length}", minLrName);
        foreach (var minLr in minLrs)
            if (!(minLr >= 0) || double.IsPositiveInfinity(minLr))
                throw new ArgumentOutOfRangeException(minLrName, minLr, "must be finite and non-negative");
        if (!(eps >= 0) || double.IsPositiveInfinity(eps))
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "must be finite and non-negative");

        _target = target;
        _mode = mode;
        _factor = factor;
        _patience = patience;
        _threshold = threshold;
        _thresholdMode = thresholdMode;
        _cooldown = cooldown;
        _minLrs = minLrs;
        _eps = eps;
        _lastLearningRates = new double[minLrs.Length];
        ReadLearningRates();
        Best = WorstValue;
    }

    /// <summary>The best metric seen; the worst possible value (±infinity) before the first step.</summary>
    public double Best { get; private set; }

    /// <summary>Consecutive steps without improvement, not counting those in cooldown.</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>Steps left in the cooldown that follows a reduction.</summary>
    public int CooldownCounter { get; private set; }

    public bool InCooldown => CooldownCounter > 0;

    /// <summary>How many times <see cref="Step"/> has been called.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The optimizer's rates after the latest step.</summary>
    public IReadOnlyList<double> LastLearningRates => _lastLearningRates;

    private double WorstValue => _mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Records this epoch's <paramref name="metric"/> and reduces the rates if it has plateaued.</summary>
    public void Step(double metric)
    {
        LastEpoch = checked(LastEpoch + 1);

        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }

        if (InCooldown)
        {
            CooldownCounter--;
            NumBadEpochs = 0;
        }

        if (NumBadEpochs > _patience)
        {
            ReduceLearningRates();
            CooldownCounter = _cooldown;
            NumBadEpochs = 0;
        }

        ReadLearningRates();
    }

    /// <summary>A checkpoint; it has no base rates, the counters go in <see cref="SchedulerState.Extra"/>.</summary>
    public SchedulerState GetState() => new(
        LastEpoch,
        [],
        [.. _lastLearningRates],
        new Dictionary<string, double>
        {
            [BestKey] = Best,
            [NumBadEpochsKey] = NumBadEpochs,
            [CooldownCounterKey] = CooldownCounter,
        });

    /// <summary>Restores a checkpoint taken by <see cref="GetState"/>, including the optimizer's rates.</summary>
    public void LoadState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Validate();
        if (state.LearningRates.Count != _lastLearningRates.Length)
            throw new ArgumentException(
                $"scheduler state has {state.LearningRates.Count} rates, the optimizer has {_lastLearningRates.Length} groups",
                nameof(state));
        var best = state.Require(BestKey);
        var numBadEpochs = RequireCount(state, NumBadEpochsKey);
        var cooldownCounter = RequireCount(state, CooldownCounterKey);

        LastEpoch = state.LastEpoch;
        Best = best;
        NumBadEpochs = numBadEpochs;
        CooldownCounter = cooldownCounter;
        for (var group = 0; group < _lastLearningRates.Length; group++)
            _target.SetLearningRate(group, state.LearningRates[group]);
        ReadLearningRates();
    }

    private static int RequireCount(SchedulerState state, string key)
    {
        var value = state.Require(key);
        if (!(value >= 0 && value <= int.MaxValue) || value != Math.Floor(value))
            throw new ArgumentException($"scheduler state field '{key}' is {value}, not a non-negative integer", nameof(state));
        return (int)value;
    }

    private bool IsBetter(double current, double best) => (_mode, _thresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => current < best * (1.0 - _threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => current < best - _threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => current > best * (_threshold + 1.0),
        _ => current > best + _threshold,
    };

    private void ReduceLearningRates()
    {
        for (var group = 0; group < _minLrs.Length; group++)
        {
            var oldLr = _target.GetLearningRate(group);
            var newLr = Math.Max(oldLr * _factor, _minLrs[group]);
            // Steps smaller than eps are dropped, so a rate already at its floor stays put.
            if (oldLr - newLr > _eps)
                _target.SetLearningRate(group, newLr);
        }
    }

    private void ReadLearningRates()
    {
        for (var group = 0; group < _lastLearningRates.Length; group++)
            _lastLearningRates[group] = _target.GetLearningRate(group);
    }
}
