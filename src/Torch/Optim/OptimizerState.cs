using System.Globalization;
using System.Text.Json;

namespace Cluster.Torch.Optim;

/// <summary>
/// An optimizer's checkpoint (PyTorch's <c>state_dict()</c>), keyed by parameter name instead of position: per
/// parameter, its state tensors under PyTorch's keys ("step", "exp_avg", ...); per group, its parameter names and
/// hyperparameters. Holds its own handles to the tensors, released by <see cref="Dispose"/>.
/// </summary>
public sealed class OptimizerState : IDisposable
{
    private const string StatePrefix = "state.";
    private const string GroupPrefix = "group.";
    private const string OptimizerKey = "optimizer";
    private const string GroupCountKey = "param_groups";
    private const string ParamsKey = "params";

    private readonly Dictionary<string, IReadOnlyDictionary<string, Tensor>> state;

    /// <param name="optimizerName">The optimizer class ("AdamW", "SGD"); loading into another kind is refused.</param>
    /// <param name="paramGroups">The groups, in the optimizer's order.</param>
    /// <param name="state">Per parameter name, its state tensors by key. The tensors are aliased, not copied: later
    /// in-place changes to them show here, and the caller still owns (and disposes) its own handles.</param>
    public OptimizerState(string optimizerName, IEnumerable<OptimizerGroupState> paramGroups,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, Tensor>> state)
    {
        ArgumentException.ThrowIfNullOrEmpty(optimizerName);
        ArgumentNullException.ThrowIfNull(paramGroups);
        ArgumentNullException.ThrowIfNull(state);
        OptimizerName = optimizerName;
        ParamGroups = Array.AsReadOnly(paramGroups.ToArray());
        this.state = new Dictionary<string, IReadOnlyDictionary<string, Tensor>>(state.Count);
        try
        {
            foreach (var (name, entries) in state)
            {
                var own = new Dictionary<string, Tensor>(entries.Count);
                // Registered before filling, so a failure half way still releases what was aliased.
                this.state.Add(name, own.AsReadOnly());
                foreach (var (key, tensor) in entries)
                {
                    if (key.Length == 0 || key.Contains('.'))
                        throw new ArgumentException($"state key '{key}' of parameter '{name}' must be non-empty and free of '.'", nameof(state));
                    ArgumentNullException.ThrowIfNull(tensor, $"state['{name}']['{key}']");
                    own.Add(key, tensor.alias().DetachFromDisposeScope());
                }
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string OptimizerName { get; }

    public IReadOnlyList<OptimizerGroupState> ParamGroups { get; }

    /// <summary>Per parameter name, its state tensors by key; parameters that have no state yet are absent.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, Tensor>> State => state;

    /// <summary>
    /// Flattens the state for a safetensors file: tensors named <c>state.&lt;parameter&gt;.&lt;key&gt;</c> (new handles
    /// the caller owns) and string metadata: <c>optimizer</c>, <c>param_groups</c> (the count),
    /// <c>group.&lt;i&gt;.params</c> (a JSON array of names) and <c>group.&lt;i&gt;.&lt;option&gt;</c> (round-trip
    /// formatted numbers). <see cref="FromTensors"/> reads it back exactly.
    /// </summary>
    public (Dictionary<string, Tensor> Tensors, Dictionary<string, string> Metadata) ToTensors()
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, entries) in state)
            foreach (var (key, tensor) in entries)
                tensors.Add($"{StatePrefix}{name}.{key}", tensor.alias());
        var metadata = new Dictionary<string, string>
        {
            [OptimizerKey] = OptimizerName,
            [GroupCountKey] = ParamGroups.Count.ToString(CultureInfo.InvariantCulture),
        };
        for (var g = 0; g < ParamGroups.Count; g++)
        {
            metadata[$"{GroupPrefix}{g}.{ParamsKey}"] = JsonSerializer.Serialize(ParamGroups[g].ParameterNames);
            foreach (var (option, value) in ParamGroups[g].Options)
                metadata[$"{GroupPrefix}{g}.{option}"] = value.ToString("R", CultureInfo.InvariantCulture);
        }
        return (tensors, metadata);
    }

    /// <summary>
    /// Rebuilds a state written by <see cref="ToTensors"/>. Tensors are aliased (the caller keeps its handles);
    /// metadata keys other than the optimizer's are ignored, so a file may carry its own.
    /// </summary>
    /// <exception cref="ArgumentException">A tensor name or a metadata entry is malformed or missing.</exception>
    public static OptimizerState FromTensors(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        var optimizerName = Required(metadata, OptimizerKey);
        if (!int.TryParse(Required(metadata, GroupCountKey), NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            throw new ArgumentException($"metadata '{GroupCountKey}' is not a group count: '{metadata[GroupCountKey]}'", nameof(metadata));

        var names = new string[count][];
        var options = new Dictionary<string, double>[count];
        for (var g = 0; g < count; g++)
        {
            var key = $"{GroupPrefix}{g}.{ParamsKey}";
            try
            {
                names[g] = JsonSerializer.Deserialize<string[]>(Required(metadata, key)) ?? throw new JsonException("null");
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"metadata '{key}' is not a JSON array of parameter names: {e.Message}", nameof(metadata), e);
            }
            options[g] = [];
        }
        foreach (var (key, text) in metadata)
        {
            if (!key.StartsWith(GroupPrefix, StringComparison.Ordinal)) continue;
            var dot = key.IndexOf('.', GroupPrefix.Length);
            if (dot < 0 || !int.TryParse(key.AsSpan(GroupPrefix.Length, dot - GroupPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var g) || g >= count)
                throw new ArgumentException($"metadata '{key}' does not name one of the {count} parameter groups", nameof(metadata));
            var option = key[(dot + 1)..];
            if (option == ParamsKey) continue;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw new ArgumentException($"metadata '{key}' is not a number: '{text}'", nameof(metadata));
            options[g][option] = value;
        }

        var state = new Dictionary<string, IReadOnlyDictionary<string, Tensor>>();
        foreach (var (key, tensor) in tensors)
        {
            var dot = key.LastIndexOf('.');
            if (!key.StartsWith(StatePrefix, StringComparison.Ordinal) || dot <= StatePrefix.Length || dot == key.Length - 1)
                throw new ArgumentException($"tensor '{key}' is not named state.<parameter>.<key>", nameof(tensors));
            var name = key[StatePrefix.Length..dot];
            if (!state.TryGetValue(name, out var entries)) state[name] = entries = new Dictionary<string, Tensor>();
            ((Dictionary<string, Tensor>)entries)[key[(dot + 1)..]] = tensor;
        }
        return new OptimizerState(optimizerName, names.Select((n, g) => new OptimizerGroupState(n, options[g])), state);
    }

    private static string Required(IReadOnlyDictionary<string, string> metadata, string key) =>
        metadata.TryGetValue(key, out var value) ? value : throw new ArgumentException($"metadata has no '{key}' entry", nameof(metadata));

    public void Dispose()
    {
        foreach (var entries in state.Values)
            foreach (var tensor in entries.Values)
                tensor.Dispose();
    }
}
