using System.Text.Json.Serialization;

namespace Cluster.Torch.Optim;

/// <summary>
/// A scheduler's checkpoint, the counterpart of PyTorch's <c>scheduler.state_dict()</c>.
/// <see cref="LearningRates"/> are the rates the scheduler last left in the optimizer: loading puts them back,
/// because the recursive schedules and <see cref="ReduceLROnPlateau"/> continue from the optimizer's current rate.
/// <see cref="Extra"/> holds scheduler-specific counters under PyTorch's attribute names
/// (<c>T_cur</c>, <c>T_i</c>, <c>best</c>, <c>num_bad_epochs</c>, <c>cooldown_counter</c>).
/// </summary>
/// <remarks>Named floating-point literals are allowed because a plateau scheduler's <c>best</c> starts at ±infinity.</remarks>
[JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)]
public sealed record SchedulerState(
    int LastEpoch,
    IReadOnlyList<double> BaseLearningRates,
    IReadOnlyList<double> LearningRates,
    IReadOnlyDictionary<string, double> Extra)
{
    /// <summary>
    /// Checks what a scheduler's <c>LoadState</c> relies on. JSON that omits a field deserialises it as null despite
    /// the annotations, so this turns that into a clear error instead of a null dereference mid-load.
    /// </summary>
    internal void Validate()
    {
        if (BaseLearningRates is null || LearningRates is null || Extra is null)
            throw new ArgumentException("scheduler state lacks its rates or extra fields", "state");
        if (LastEpoch < 0)
            throw new ArgumentException($"scheduler state has negative epoch {LastEpoch}", "state");
    }

    /// <summary>Reads a scheduler-specific field, failing clearly when the state came from another scheduler.</summary>
    internal double Require(string key) =>
        Extra.TryGetValue(key, out var value)
            ? value
            : throw new ArgumentException($"scheduler state has no '{key}' field", "state");
}
