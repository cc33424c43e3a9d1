using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// The keys and values of one decoding run (openai's <c>kv_cache</c>), so that each step feeds the decoder only its
/// new token: per decoder layer the self-attention keys and values of every token so far (they grow by one position a
/// step) and the cross-attention keys and values of the audio (computed once). Rows are hypotheses; beam search moves
/// them with <see cref="Reorder"/>. The cache owns its tensors and frees them on <see cref="Dispose"/>.
/// </summary>
public sealed class WhisperKvCache : IDisposable
{
    private readonly List<LayerState> layers = [];

    /// <summary>How many token positions the cache holds; the next token's position.</summary>
    public int Length => layers.Count == 0 || layers[0].SelfKeys is not { } keys ? 0 : (int)keys.size(2);

    /// <summary>Appends a step's keys and values [B, H, L, D] to layer <paramref name="layer"/>'s; returns all of them
    /// [B, H, cached + L, D], owned by the cache.</summary>
    internal (Tensor keys, Tensor values) AppendSelf(int layer, Tensor keys, Tensor values)
    {
        var state = State(layer);
        state.SelfKeys = Grow(state.SelfKeys, keys);
        state.SelfValues = Grow(state.SelfValues, values);
        return (state.SelfKeys, state.SelfValues);
    }

    /// <summary>Layer <paramref name="layer"/>'s cross-attention keys and values, computed by <paramref name="compute"/>
    /// on first use; owned by the cache.</summary>
    internal (Tensor keys, Tensor values) Cross(int layer, Func<(Tensor keys, Tensor values)> compute)
    {
        var state = State(layer);
        if (state.CrossKeys is null || state.CrossValues is null)
        {
            var (keys, values) = compute();
            state.CrossKeys = Keep(keys);
            state.CrossValues = Keep(values);
        }
        return (state.CrossKeys, state.CrossValues);
    }

    /// <summary>Row i becomes what row <paramref name="sourceRows"/>[i] was (beam search keeping, dropping and
    /// duplicating hypotheses). The identity is free.</summary>
    public void Reorder(IReadOnlyList<long> sourceRows)
    {
        ArgumentNullException.ThrowIfNull(sourceRows);
        if (layers.Count == 0) return;
        long rows = (layers[0].SelfKeys ?? layers[0].CrossKeys)?.size(0) ?? 0;
        if (sourceRows.Count == rows && sourceRows.Select((source, i) => source == i).All(same => same)) return;
        foreach (var state in layers)
        {
            state.SelfKeys = Select(state.SelfKeys, sourceRows);
            state.SelfValues = Select(state.SelfValues, sourceRows);
            state.CrossKeys = Select(state.CrossKeys, sourceRows);
            state.CrossValues = Select(state.CrossValues, sourceRows);
        }
    }

    public void Dispose()
    {
        foreach (var state in layers)
        {
            state.SelfKeys?.Dispose();
            state.SelfValues?.Dispose();
            state.CrossKeys?.Dispose();
            state.CrossValues?.Dispose();
        }
        layers.Clear();
    }

    private LayerState State(int layer)
    {
        while (layers.Count <= layer) layers.Add(new LayerState());
        return layers[layer];
    }

    private static Tensor Grow(Tensor? cached, Tensor step)
    {
        var grown = Keep(cached is null ? step.alias() : cat([cached, step], 2)); // [B, H, T, D]
        cached?.Dispose();
        return grown;
    }

    private static Tensor? Select(Tensor? cached, IReadOnlyList<long> rows)
    {
        if (cached is null) return null;
        using var index = tensor(rows.ToArray(), new long[] { rows.Count }, cached.device);
        var selected = Keep(cached.index_select(0, index));
        cached.Dispose();
        return selected;
    }

    // Cached tensors outlive the step that made them, so no dispose scope may take them.
    private static Tensor Keep(Tensor tensor) => tensor.DetachFromDisposeScope();

    private sealed class LayerState
    {
        public Tensor? SelfKeys { get; set; }
        public Tensor? SelfValues { get; set; }
        public Tensor? CrossKeys { get; set; }
        public Tensor? CrossValues { get; set; }
    }
}
