namespace Cluster.Torch.Modules;

/// <summary>
/// A multi-layer, optionally bidirectional LSTM (torch.nn.LSTM) running libtorch's fused kernel.
/// Parameters are named as in PyTorch (<c>weight_ih_l0</c>, <c>bias_hh_l1_reverse</c>, ...), so
/// PyTorch checkpoints load unchanged.
/// </summary>
public class LSTM : Module<Tensor, (Tensor output, (Tensor h_n, Tensor c_n) state)>
{
    // Per layer and direction: w_ih, w_hh[, b_ih, b_hh], the order the fused kernel takes them in.
    private readonly string[] flatWeightNames;

    public LSTM(long input_size, long hidden_size, long num_layers = 1, bool bias = true, bool batch_first = false,
        double dropout = 0, bool bidirectional = false)
    {
        if (hidden_size <= 0) throw new ArgumentOutOfRangeException(nameof(hidden_size), hidden_size, "hidden_size must be positive");
        if (num_layers <= 0) throw new ArgumentOutOfRangeException(nameof(num_layers), num_layers, "num_layers must be positive");
        if (dropout is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "dropout must be between 0 and 1");
        this.input_size = input_size;
        this.hidden_size = hidden_size;
        this.num_layers = num_layers;
        this.bias = bias;
        this.batch_first = batch_first;
        this.dropout = dropout;
        this.bidirectional = bidirectional;

        var directions = bidirectional ? 2 : 1;
        var gates = 4 * hidden_size;
        var bound = 1 / Math.Sqrt(hidden_size);
        var names = new List<string>();
        for (var layer = 0; layer < num_layers; layer++)
        {
            var layerInput = layer == 0 ? input_size : hidden_size * directions;
            for (var direction = 0; direction < directions; direction++)
            {
                var suffix = direction == 1 ? "_reverse" : "";
                Add($"weight_ih_l{layer}{suffix}", [gates, layerInput]);
                Add($"weight_hh_l{layer}{suffix}", [gates, hidden_size]);
                if (!bias) continue;
                Add($"bias_ih_l{layer}{suffix}", [gates]);
                Add($"bias_hh_l{layer}{suffix}", [gates]);
            }
        }
        flatWeightNames = [.. names];

        // Every weight, biases included, starts in U(-1/√hidden, 1/√hidden), drawn in registration order as in PyTorch.
        void Add(string name, long[] shape)
        {
            register_parameter(name, Init.Uniform(shape, bound));
            names.Add(name);
        }
    }

    public long input_size { get; }
    public long hidden_size { get; }
    public long num_layers { get; }
    public bool bias { get; }
    public bool batch_first { get; }
    public double dropout { get; }
    public bool bidirectional { get; }

    /// <summary>Runs from a zero initial state.</summary>
    public override (Tensor output, (Tensor h_n, Tensor c_n) state) forward(Tensor input) => forward(input, null);

    /// <summary>
    /// input [T, B, input_size] ([B, T, input_size] when batch_first, or unbatched [T, input_size]);
    /// h_0 and c_0 are [num_layers · directions, B, hidden_size], zeros when <paramref name="hx"/> is null.
    /// Returns output [T, B, directions · hidden_size] (batch first when batch_first) and the final state.
    /// </summary>
    public (Tensor output, (Tensor h_n, Tensor c_n) state) forward(Tensor input, (Tensor h_0, Tensor c_0)? hx)
    {
        var weights = flatWeightNames.Select(name => (Tensor)get_parameter(name)).ToArray();
        var (output, hN, cN) = torch.nn.functional.lstm(input, hx?.h_0, hx?.c_0, weights, bias, num_layers, dropout, training,
            bidirectional, batch_first);
        return (output, (hN, cN));
    }
}
