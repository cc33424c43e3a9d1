using Cluster.Torch.Optim;

namespace Cluster.Torch.Amp;

/// <summary>
/// Dynamic loss scaling for float16 (or bfloat16) training, PyTorch's <c>torch.amp.GradScaler</c>: the loss is
/// multiplied by a large scale before backward so small gradients do not flush to zero, the gradients are divided by
/// it again before the optimizer step, and steps whose gradients overflowed to inf or NaN are skipped while the scale
/// backs off. After <c>growth_interval</c> clean steps in a row the scale grows. Works with any
/// <see cref="Optimizer"/> on any device. Per step: <c>scale(loss).backward()</c>, optionally <see cref="unscale_"/>
/// (to clip gradients), <see cref="step"/>, <see cref="update"/>.
/// </summary>
/// <remarks>
/// The scale is kept as a float32 value, as PyTorch keeps it in a float32 tensor; reading whether gradients overflowed
/// costs one synchronization per optimizer and step, as in PyTorch's <c>step</c>.
/// </remarks>
public sealed class GradScaler
{
    private readonly bool enabled;
    private readonly Dictionary<Optimizer, OptimizerStep> steps = new(ReferenceEqualityComparer.Instance);
    private float currentScale;
    private double growthFactor;
    private double backoffFactor;
    private int growthInterval;
    private int growthTracker;

    public GradScaler(double init_scale = 65536.0, double growth_factor = 2.0, double backoff_factor = 0.5, int growth_interval = 2000,
        bool enabled = true)
    {
        CheckScale(init_scale, nameof(init_scale));
        CheckGrowthFactor(growth_factor, nameof(growth_factor));
        CheckBackoffFactor(backoff_factor, nameof(backoff_factor));
        CheckGrowthInterval(growth_interval, nameof(growth_interval));
        this.enabled = enabled;
        currentScale = (float)init_scale;
        growthFactor = growth_factor;
        backoffFactor = backoff_factor;
        growthInterval = growth_interval;
    }

    private enum Stage
    {
        Ready,
        Unscaled,
        Stepped,
    }

    public bool is_enabled() => enabled;

    /// <summary>The current scale; 1 when disabled.</summary>
    public double get_scale() => enabled ? currentScale : 1.0;

    public double get_growth_factor() => growthFactor;

    public void set_growth_factor(double new_factor)
    {
        CheckGrowthFactor(new_factor, nameof(new_factor));
        growthFactor = new_factor;
    }

    public double get_backoff_factor() => backoffFactor;

    public void set_backoff_factor(double new_factor)
    {
        CheckBackoffFactor(new_factor, nameof(new_factor));
        backoffFactor = new_factor;
    }

    public int get_growth_interval() => growthInterval;

    public void set_growth_interval(int new_interval)
    {
        CheckGrowthInterval(new_interval, nameof(new_interval));
        growthInterval = new_interval;
    }

    /// <summary>
    /// <paramref name="outputs"/> times the scale (a float32 scalar on the outputs' device, so a float16 scalar loss is
    /// scaled in float32, as in PyTorch). Disabled, returns <paramref name="outputs"/> itself.
    /// </summary>
    public Tensor scale(Tensor outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        if (!enabled) return outputs;
        using var factor = torch.full([], currentScale, DType.Float32, outputs.device).DetachFromDisposeScope();
        return outputs.mul(factor);
    }

    /// <summary>
    /// Divides the gradients of <paramref name="optimizer"/>'s parameters by the scale, in place, and records whether
    /// any of them holds inf or NaN. Call it at most once per optimizer between <see cref="update"/>s, before
    /// <see cref="step"/> (which calls it when it was not), e.g. to clip the true gradients.
    /// </summary>
    /// <exception cref="InvalidOperationException">Called twice, or after <see cref="step"/>, since the last update; or a
    /// gradient is float16 (PyTorch refuses to unscale those: keep float32 master weights).</exception>
    public void unscale_(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!enabled) return;
        var stage = StepOf(optimizer);
        if (stage.Stage == Stage.Unscaled) throw new InvalidOperationException("unscale_() has already been called on this optimizer since the last update().");
        if (stage.Stage == Stage.Stepped) throw new InvalidOperationException("unscale_() is being called after step().");

        using var scope = torch.NewDisposeScope();
        var grads = new List<Tensor>();
        foreach (var (name, parameter) in optimizer.Parameters)
        {
            var grad = parameter.grad;
            if (grad is null) continue;
            if (grad.dtype == DType.Float16)
                throw new InvalidOperationException($"Attempting to unscale FP16 gradients (parameter '{name}').");
            grads.Add(grad);
        }
        // PyTorch's reciprocal: computed in float64 from the float32 scale, then rounded to float32.
        var inverse = (double)(float)(1.0 / currentScale);
        Tensor? nonFinite = null;
        foreach (var grad in grads)
        {
            // Checked before dividing, as PyTorch's kernel does.
            var bad = grad.isfinite().all().logical_not();
            nonFinite = nonFinite is null ? bad : nonFinite.logical_or(bad.to(nonFinite.device));
            grad.mul_(inverse);
        }
        steps[optimizer] = new OptimizerStep(Stage.Unscaled, nonFinite is not null && nonFinite.item<bool>());
    }

    /// <summary>
    /// Unscales the gradients unless <see cref="unscale_"/> already did, then runs <c>optimizer.step()</c> only when
    /// they are all finite. Returns whether the step was taken. Disabled, simply steps.
    /// </summary>
    /// <exception cref="InvalidOperationException">step() was already called since the last update.</exception>
    public bool step(Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!enabled)
        {
            optimizer.step();
            return true;
        }
        if (StepOf(optimizer).Stage == Stage.Stepped) throw new InvalidOperationException("step() has already been called since the last update().");
        if (StepOf(optimizer).Stage == Stage.Ready) unscale_(optimizer);
        var foundInf = StepOf(optimizer).FoundInf;
        if (!foundInf) optimizer.step();
        steps[optimizer] = new OptimizerStep(Stage.Stepped, foundInf);
        return !foundInf;
    }

    /// <summary>
    /// Ends the iteration: multiplies the scale by the backoff factor (and restarts the count of clean steps) when any
    /// optimizer met inf or NaN gradients since the last update; otherwise counts a clean step and multiplies the scale
    /// by the growth factor every growth_interval clean steps (unless that would overflow float32).
    /// <paramref name="new_scale"/> sets the scale directly instead.
    /// </summary>
    /// <exception cref="InvalidOperationException">No optimizer was unscaled or stepped since the last update.</exception>
    public void update(double? new_scale = null)
    {
        if (!enabled) return;
        if (new_scale is { } value)
        {
            CheckScale(value, nameof(new_scale));
            currentScale = (float)value;
        }
        else
        {
            if (steps.Count == 0) throw new InvalidOperationException("No inf checks were recorded prior to update.");
            if (steps.Values.Any(s => s.FoundInf))
            {
                currentScale = (float)(currentScale * backoffFactor);
                growthTracker = 0;
            }
            else if (growthTracker + 1 == growthInterval)
            {
                var grown = (float)(currentScale * growthFactor);
                if (float.IsFinite(grown)) currentScale = grown;
                growthTracker = 0;
            }
            else
            {
                growthTracker++;
            }
        }
        steps.Clear();
    }

    /// <summary>The scaler's checkpoint; null when disabled, as PyTorch returns an empty dict.</summary>
    public GradScalerState? state_dict() =>
        enabled ? new GradScalerState(currentScale, growthFactor, backoffFactor, growthInterval, growthTracker) : null;

    /// <summary>Restores a checkpoint taken by <see cref="state_dict"/>. Ignored when disabled, as in PyTorch.</summary>
    /// <exception cref="ArgumentException">The state is null (saved from a disabled scaler) or holds invalid values.</exception>
    public void load_state_dict(GradScalerState? state)
    {
        if (!enabled) return;
        if (state is null) throw new ArgumentException("The source state dict is empty, possibly because it was saved from a disabled instance of GradScaler.", nameof(state));
        CheckScale(state.scale, nameof(state));
        CheckGrowthFactor(state.growth_factor, nameof(state));
        CheckBackoffFactor(state.backoff_factor, nameof(state));
        CheckGrowthInterval(state.growth_interval, nameof(state));
        if (state.growth_tracker < 0 || state.growth_tracker >= state.growth_interval)
            throw new ArgumentOutOfRangeException(nameof(state), state.growth_tracker, "the growth tracker must lie in [0, growth_interval)");
        currentScale = (float)state.scale;
        growthFactor = state.growth_factor;
        backoffFactor = state.backoff_factor;
        growthInterval = state.growth_interval;
        growthTracker = state.growth_tracker;
    }

    private OptimizerStep StepOf(Optimizer optimizer) => steps.TryGetValue(optimizer, out var s) ? s : new OptimizerStep(Stage.Ready, false);

    private static void CheckScale(double value, string name)
    {
        if (!(value > 0) || !float.IsFinite((float)value))
            throw new ArgumentOutOfRangeException(name, value, "the scale must be positive and finite in float32");
    }

    private static void CheckGrowthFactor(double value, string name)
    {
        if (!(value > 1) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(name, value, "The growth factor must be > 1.0.");
    }

    private static void CheckBackoffFactor(double value, string name)
    {
        if (!(value > 0 && value < 1)) throw new ArgumentOutOfRangeException(name, value, "The backoff factor must be in (0, 1).");
    }

    private static void CheckGrowthInterval(int value, string name)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(name, value, "The growth interval must be positive.");
    }

    private readonly record struct OptimizerStep(Stage Stage, bool FoundInf);
}
