namespace Cluster.Bench.CpuKernels.Modern;

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

/// <summary>Whisper's dimensions as bench/train_step/train_step.py's WHISPER_TINY (openai/whisper-tiny, 30 s of mel frames).</summary>
internal sealed record WhisperConfig(
    int MelBins, int SourcePositions, int DModel, int EncoderHeads, int EncoderLayers, int EncoderFfn,
    int DecoderHeads, int DecoderLayers, int DecoderFfn, int TargetPositions, int Vocabulary)
{
    public static readonly WhisperConfig Tiny = new(80, 1500, 384, 6, 4, 1536, 6, 4, 1536, 448, 51865);
}

/// <summary>
/// A TorchSharp port of tests/tools/whisper_reference.py's Whisper: the same functional forward over a
/// dictionary of leaf weights with Hugging Face's names (conv front end with GELU, sinusoidal encoder
/// positions, pre-LayerNorm blocks with q and k each scaled by d_head^-0.25, key projections without bias,
/// learned decoder positions, causal self-attention, cross-attention, logits tied to the token embedding),
/// initialised as train_step.py's WhisperTask does (biases 0, layer norms 1, the rest N(0, 0.02²)).
/// </summary>
internal sealed class WhisperReference : IDisposable
{
    private const double LayerNormEps = 1e-5;
    private readonly Dictionary<string, Parameter> weights;
    private readonly WhisperConfig config;

    public WhisperReference(WhisperConfig config)
    {
        this.config = config;
        weights = [];
        foreach (var (name, shape) in ParameterShapes(config))
        {
            using var initial = name.EndsWith(".bias", StringComparison.Ordinal) ? zeros(shape)
                : name.Contains("layer_norm", StringComparison.Ordinal) ? ones(shape)
                : randn(shape) * 0.02;
            weights[name] = new Parameter(initial.detach().clone(), requires_grad: true);
        }
    }

    /// <summary>The trainable weights, in train_step.py's whisper_parameters() order.</summary>
    public IReadOnlyList<Parameter> Parameters => [.. weights.Values];

    /// <summary>Hugging Face names and shapes of every trainable weight (train_step.py's whisper_parameters).</summary>
    public static List<(string Name, long[] Shape)> ParameterShapes(WhisperConfig c)
    {
        long d = c.DModel;
        var shapes = new List<(string, long[])>
        {
            ("model.encoder.conv1.weight", [d, c.MelBins, 3]),
            ("model.encoder.conv1.bias", [d]),
            ("model.encoder.conv2.weight", [d, d, 3]),
            ("model.encoder.conv2.bias", [d]),
        };
        void Attention(string prefix)
        {
            foreach (var projection in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                shapes.Add(($"{prefix}.{projection}.weight", [d, d]));
                if (projection != "k_proj")
                {
                    shapes.Add(($"{prefix}.{projection}.bias", [d]));
                }
            }
            shapes.Add(($"{prefix}_layer_norm.weight", [d]));
            shapes.Add(($"{prefix}_layer_norm.bias", [d]));
        }
        void Mlp(string prefix, long ffn)
        {
            shapes.Add(($"{prefix}.fc1.weight", [ffn, d]));
            shapes.Add(($"{prefix}.fc1.bias", [ffn]));
            shapes.Add(($"{prefix}.fc2.weight", [d, ffn]));
            shapes.Add(($"{prefix}.fc2.bias", [d]));
            shapes.Add(($"{prefix}.final_layer_norm.weight", [d]));
            shapes.Add(($"{prefix}.final_layer_norm.bias", [d]));
        }
        for (int i = 0; i < c.EncoderLayers; i++)
        {
            Attention($"model.encoder.layers.{i}.self_attn");
            Mlp($"model.encoder.layers.{i}", c.EncoderFfn);
        }
        shapes.Add(("model.encoder.layer_norm.weight", [d]));
        shapes.Add(("model.encoder.layer_norm.bias", [d]));
        shapes.Add(("model.decoder.embed_tokens.weight", [c.Vocabulary, d]));
        shapes.Add(("model.decoder.embed_positions.weight", [c.TargetPositions, d]));
        for (int i = 0; i < c.DecoderLayers; i++)
        {
            Attention($"model.decoder.layers.{i}.self_attn");
            Attention($"model.decoder.layers.{i}.encoder_attn");
            Mlp($"model.decoder.layers.{i}", c.DecoderFfn);
        }
        shapes.Add(("model.decoder.layer_norm.weight", [d]));
        shapes.Add(("model.decoder.layer_norm.bias", [d]));
        return shapes;
    }

    /// <summary>mel [B, mels, 2·positions], tokens [B, T] → logits [B, T, vocabulary].</summary>
    public Tensor Forward(Tensor mel, Tensor tokens) => Decode(tokens, Encode(mel));

    private Tensor Encode(Tensor mel) => Lifetimes.Scoped(() =>
    {
        const string p = "model.encoder.";
        var x = F.gelu(F.conv1d(mel, weights[p + "conv1.weight"], weights[p + "conv1.bias"], padding: 1));
        x = F.gelu(F.conv1d(x, weights[p + "conv2.weight"], weights[p + "conv2.bias"], stride: 2, padding: 1));
        x = x.permute(0, 2, 1);
        var positions = Sinusoids(config.SourcePositions, config.DModel);
        x = x + positions[TensorIndex.Slice(0, x.shape[1])];
        for (int i = 0; i < config.EncoderLayers; i++)
        {
            string name = $"{p}layers.{i}.";
            x = ReplaceBy(x, input => Lifetimes.Scoped(() =>
            {
                var h = LayerNorm(input, name + "self_attn_layer_norm");
                var y = input + Attention(h, h, name + "self_attn", config.EncoderHeads, causal: false);
                return y + Mlp(LayerNorm(y, name + "final_layer_norm"), name[..^1]);
            }));
        }
        return LayerNorm(x, p + "layer_norm");
    });

    private Tensor Decode(Tensor tokens, Tensor audio) => Lifetimes.Scoped(() =>
    {
        const string p = "model.decoder.";
        var embed = weights[p + "embed_tokens.weight"];
        var x = embed.index(new Tensor[] { tokens }) + weights[p + "embed_positions.weight"][TensorIndex.Slice(0, tokens.shape[1])];
        for (int i = 0; i < config.DecoderLayers; i++)
        {
            string name = $"{p}layers.{i}.";
            x = ReplaceBy(x, input => Lifetimes.Scoped(() =>
            {
                var h = LayerNorm(input, name + "self_attn_layer_norm");
                var y = input + Attention(h, h, name + "self_attn", config.DecoderHeads, causal: true);
                y = y + Attention(LayerNorm(y, name + "encoder_attn_layer_norm"), audio, name + "encoder_attn", config.DecoderHeads, causal: false);
                return y + Mlp(LayerNorm(y, name + "final_layer_norm"), name[..^1]);
            }));
        }
        x = LayerNorm(x, p + "layer_norm");
        return matmul(x, embed.t());
    });

    /// <summary>The layer's output in place of its input, whose handle goes as Python's `x = x + ...` drops it.</summary>
    private static Tensor ReplaceBy(Tensor input, Func<Tensor, Tensor> layer)
    {
        var output = layer(input);
        input.Dispose();
        return output;
    }

    private Tensor Attention(Tensor x, Tensor source, string name, int heads, bool causal) => Lifetimes.Scoped(() =>
    {
        var q = Linear(x, name + ".q_proj");
        var k = Linear(source, name + ".k_proj", bias: false);
        var v = Linear(source, name + ".v_proj");
        long b = q.shape[0], t = q.shape[1], c = q.shape[2];
        long s = k.shape[1];
        double scale = Math.Pow(c / heads, -0.25);
        q = q.view(b, t, heads, -1).permute(0, 2, 1, 3) * scale;
        k = k.view(b, s, heads, -1).permute(0, 2, 3, 1) * scale;
        v = v.view(b, s, heads, -1).permute(0, 2, 1, 3);
        var qk = matmul(q, k);
        if (causal)
        {
            qk = qk + full(t, s, float.NegativeInfinity, dtype: qk.dtype).triu(1);
        }
        var w = F.softmax(qk, -1);
        var output = matmul(w, v).permute(0, 2, 1, 3).flatten(2);
        return Linear(output, name + ".out_proj");
    });

    private Tensor Mlp(Tensor x, string name) => Lifetimes.Scoped(() => Linear(F.gelu(Linear(x, name + ".fc1")), name + ".fc2"));

    private Tensor Linear(Tensor x, string name, bool bias = true) =>
        F.linear(x, weights[name + ".weight"], bias ? weights[name + ".bias"] : null);

    private Tensor LayerNorm(Tensor x, string name) =>
        F.layer_norm(x, [config.DModel], weights[name + ".weight"], weights[name + ".bias"], LayerNormEps);

    /// <summary>Whisper's sinusoidal encoder positions [length, channels] (sin half, then cos half).</summary>
    private static Tensor Sinusoids(long length, long channels, double maxTimescale = 10000)
    {
        double logIncrement = Math.Log(maxTimescale) / (channels / 2 - 1);
        var inverseTimescales = exp(-logIncrement * arange(channels / 2, dtype: ScalarType.Float32));
        var scaled = arange(length, dtype: ScalarType.Float32).unsqueeze(1) * inverseTimescales.unsqueeze(0);
        return cat([sin(scaled), cos(scaled)], dim: 1);
    }

    public void Dispose()
    {
        foreach (var weight in weights.Values)
        {
            weight.Dispose();
        }
    }
}
