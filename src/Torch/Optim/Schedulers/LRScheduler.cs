namespace Cluster.Torch.Optim;

/// <summary>
/// Base of the epoch-driven schedulers, PyTorch's <c>_LRScheduler</c>. Construction performs the first step, to
/// epoch 0, so the optimizer's first step already uses the schedule's rate; after <c>n</c> calls to
/// <see cref="Step"/> the optimizer holds the rate of epoch <c>n</c>.
/// </summary>
/// <remarks>
/// PyTorch's constructor calls the overridable <c>get_lr()</c>; in C# that would run before the derived
/// constructor had set its fields, so derived constructors call <see cref="InitialStep"/> as their last statement.
/// </remarks>
public abstract class LRScheduler
{
    private readonly double[] _baseLearningRates;
    private readonly double[] _lastLearningRates;

    protected LRScheduler(ILearningRateTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        Target = target;
        _baseLearningRates = new double[target.GroupCount];
        for (var group = 0; group < _baseLearningRates.Length; group++)
            _baseLearningRates[group] = target.GetLearningRate(group);
        _lastLearningRates = new double[_baseLearningRates.Length];
        LastEpoch = -1;
    }

    /// <summary>Each group's rate when the scheduler was created (PyTorch's <c>base_lrs</c>).</summary>
    public IReadOnlyList<double> BaseLearningRates => _baseLearningRates;

    /// <summary>The rates set by the latest step (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLearningRates => _lastLearningRates;

    /// <summary>How many steps have been taken since construction; 0 right after it.</summary>
    public int LastEpoch { get; private set; }

    protected ILearningRateTarget Target { get; }

    /// <summary>Advances one epoch and sets every group's rate for it.</summary>
    public void Step()
    {
        LastEpoch = checked(LastEpoch + 1);
        OnEpochAdvanced();
        Apply();
    }

    public SchedulerState GetState()
    {
        var extra = new Dictionary<string, double>();
        SaveExtraState(extra);
        return new SchedulerState(LastEpoch, [.. _baseLearningRates], [.. _lastLearningRates], extra);
    }

    /// <summary>Restores a checkpoint taken by <see cref="GetState"/>, including the optimizer's rates.</summary>
    public void LoadState(SchedulerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Validate();
        if (state.BaseLearningRates.Count != _baseLearningRates.Length
            || state.LearningRates.Count != _baseLearningRates.Length)
            throw new ArgumentException(
                $"scheduler state has {state.BaseLearningRates.Count} base and {state.LearningRates.Count} current "
                + $"rates, the optimizer has {_baseLearningRates.Length} groups", nameof(state));
        LoadExtraState(state);
        LastEpoch = state.LastEpoch;
        for (var group = 0; group < _baseLearningRates.Length; group++)
        {
            _baseLearningRates[group] = state.BaseLearningRates[group];
            _lastLearningRates[group] = state.LearningRates[group];
            Target.SetLearningRate(group, state.LearningRates[group]);
        }
    }

    /// <summary>PyTorch's first step from <c>__init__</c>: epoch 0, without <see cref="OnEpochAdvanced"/>.</summary>
    protected void InitialStep()
    {
        LastEpoch = 0;
        Apply();
    }

    /// <summary>
    /// The rate of <paramref name="group"/> at <see cref="LastEpoch"/>, PyTorch's <c>get_lr()</c>. It may read the
    /// optimizer's current (previous-epoch) rate: all groups are computed before any is set.
    /// </summary>
    protected abstract double ComputeLearningRate(int group);

    /// <summary>Updates counters that <see cref="ComputeLearningRate"/> reads, after the epoch has advanced.</summary>
    protected virtual void OnEpochAdvanced()
    {
    }

    /// <summary>Adds the counters a derived scheduler needs to resume, under PyTorch's attribute names.</summary>
    protected virtual void SaveExtraState(IDictionary<string, double> extra)
    {
    }

    /// <summary>Reads back what <see cref="SaveExtraState"/> wrote; throws before changing anything if a field is missing.</summary>
    protected virtual void LoadExtraState(SchedulerState state)
    {
    }

    private void Apply()
    {
        var rates = new double[_baseLearningRates.Length];
        for (var group = 0; group < rates.Length; group++)
            rates[group] = ComputeLearningRate(group);
        for (var group = 0; group < rates.Length; group++)
        {
            Target.SetLearningRate(group, rates[group]);
            // Read back, as PyTorch does, so the record is what the optimizer actually holds.
            _lastLearningRates[group] = Target.GetLearningRate(group);
        }
    }
}
