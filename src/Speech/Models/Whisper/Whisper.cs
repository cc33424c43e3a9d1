using Cluster.Speech.Text;
using Cluster.Torch;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;
using F = Cluster.Torch.torch.nn.functional;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// Whisper (openai/whisper <c>model.py</c>) with Hugging Face's module names, so that <c>state_dict</c> keys are the
/// keys of a <c>transformers</c> checkpoint (<c>model.encoder.layers.0.self_attn.k_proj.weight</c>).
/// </summary>
/// <remarks>
/// Encoder: two Conv1d (k 3, stride 1 then 2) with exact GELU, fixed sinusoidal positions, pre-LayerNorm
/// self-attention blocks, final LayerNorm. Decoder: token plus learned positions, pre-LayerNorm blocks of causal
/// self-attention, cross-attention and MLP, final LayerNorm, logits against the token embedding. Queries and keys are
/// each scaled by d_head^-0.25 as openai does; softmax runs in float32 whatever the activation dtype, so the same code
/// serves fp32 on CPU and reduced precision under autocast. <c>forward((mel, decoderInput))</c> is the teacher-forced
/// training pass; <see cref="Encode"/> and <see cref="Decode"/> with a <see cref="WhisperKvCache"/> serve decoding.
/// </remarks>
public sealed class Whisper : Module<(Tensor mel, Tensor decoderInput), Tensor>
{
    private readonly Model model;

    // Only for checkpoints with untied output weights; every released Whisper ties them, and then nothing is stored.
    private readonly Linear? proj_out;

    public Whisper(WhisperConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        Config = config;
        model = new Model(config);
        if (!config.TieWordEmbeddings) proj_out = new Linear(config.DModel, config.VocabSize, bias: false);
        RegisterComponents();
        InitializeWeights();
    }

    // Hugging Face's _init_weights (init_std 0.02) rather than PyTorch's layer defaults: the default N(0, 1)
    // token embeddings, tied to the output, start a from-scratch run with logits so large that the loss sits
    // near 40. Loaded checkpoints overwrite all of this; the encoder positions are a fixed buffer.
    private void InitializeWeights()
    {
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal)) parameter.zero_();
            else if (!name.Contains("layer_norm", StringComparison.Ordinal)) parameter.normal_(0, 0.02);
        }
    }

    public WhisperConfig Config { get; }

    /// <summary>
    /// Recompute each encoder and decoder block's activations during backward instead of keeping them
    /// (Hugging Face's <c>gradient_checkpointing_enable()</c>): training memory drops from all
    /// activations of every block to the blocks' inputs, at the cost of a second forward per block.
    /// Applies in training mode only; decoding with a cache never checkpoints.
    /// </summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>Loads <c>config.json</c> and <c>model.safetensors</c> (or a sharded <c>model.safetensors.index.json</c>).
    /// Pickled checkpoints (<c>*.pt</c>, <c>pytorch_model.bin</c>) are refused, never unpickled.</summary>
    /// <exception cref="InvalidDataException">A pickle, a malformed file, or weights that do not fit the config.</exception>
    /// <exception cref="FileNotFoundException">The config or the weights are missing.</exception>
    public static Whisper FromPretrained(string directory, Device? device = null) => WhisperCheckpoint.Load(directory, device);

    /// <summary>Writes <c>config.json</c> and <c>model.safetensors</c> (Hugging Face names, tied <c>proj_out</c> left
    /// out), each atomically.</summary>
    public void SavePretrained(string directory) => WhisperCheckpoint.Save(this, directory);

    /// <summary>Teacher forcing: mel [B, n_mels, 2·max_source_positions] and decoder input [B, L] → logits [B, L, V].</summary>
    public override Tensor forward((Tensor mel, Tensor decoderInput) input)
    {
        using var scope = NewDisposeScope();
        var audio = Encode(input.mel); // [B, S, C]
        return scope.MoveToOuter(Decode(input.decoderInput, audio));
    }

    /// <summary>
    /// Mean cross-entropy of <paramref name="logits"/> [B, L, V] against <paramref name="labels"/> [B, L] over the
    /// positions whose label is not -100, with optional label smoothing; computed in float32.
    /// </summary>
    public static Tensor Loss(Tensor logits, Tensor labels, double labelSmoothing = 0)
    {
        using var scope = NewDisposeScope();
        var flat = logits.to(float32).reshape(-1, logits.size(-1)); // [B·L, V]
        return scope.MoveToOuter(F.cross_entropy(flat, labels.reshape(-1), ignore_index: -100, label_smoothing: labelSmoothing));
    }

    /// <summary>Audio features [B, S, C] of mel [B, n_mels, 2S]; S must be max_source_positions (30 s), as in Whisper.</summary>
    /// <exception cref="ArgumentException">The mel has another shape.</exception>
    public Tensor Encode(Tensor mel)
    {
        ArgumentNullException.ThrowIfNull(mel);
        var shape = mel.shape;
        if (shape.Length != 3 || shape[1] != Config.NumMelBins || shape[2] != Config.InputFrames)
            throw new ArgumentException($"Whisper expects mel [batch, {Config.NumMelBins}, {Config.InputFrames}] (audio padded or trimmed to {Config.InputFrames / 100} s), got [{string.Join(", ", shape)}]", nameof(mel));
        var encoder = model.encoder;
        using var scope = NewDisposeScope();
        var x = F.gelu(encoder.conv1.forward(mel)); // [B, C, 2S]
        x = F.gelu(encoder.conv2.forward(x)); // [B, C, S]
        x = x.permute(0, 2, 1); // [B, S, C]
        x = Dropout(x + encoder.embed_positions.weight.to(x.dtype)); // [B, S, C]
        foreach (var layer in encoder.layers) x = RunEncoderLayer(layer, x);
        return scope.MoveToOuter(encoder.layer_norm.forward(x));
    }

    /// <summary>
    /// Logits [B, L, V] of tokens [B, L] (int64) attending to audio features [B, S, C]. With a <paramref name="cache"/>
    /// the tokens continue the ones it holds (positions start at <see cref="WhisperKvCache.Length"/>), their keys and
    /// values are appended to it, and the cross-attention keys and values are computed from the audio only once.
    /// </summary>
    /// <exception cref="ArgumentException">The tokens would run past the text context (max_target_positions).</exception>
    public Tensor Decode(Tensor tokens, Tensor audioFeatures, WhisperKvCache? cache = null)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(audioFeatures);
        if (tokens.dim() != 2) throw new ArgumentException($"tokens must be [batch, length], got [{string.Join(", ", tokens.shape)}]", nameof(tokens));
        long length = tokens.size(1), offset = cache?.Length ?? 0;
        if (offset + length > Config.MaxTargetPositions)
            throw new ArgumentException($"{offset} cached + {length} new tokens exceed the text context of {Config.MaxTargetPositions}", nameof(tokens));
        var decoder = model.decoder;
        using var scope = NewDisposeScope();
        var x = decoder.embed_tokens.forward(tokens) + decoder.embed_positions.weight.narrow(0, offset, length); // [B, L, C]
        x = Dropout(x.to(audioFeatures.dtype));
        // A single new token may see everything cached; several must not see the ones after them.
        Tensor? mask = length == 1 ? null
            : full([length, offset + length], double.NegativeInfinity, x.dtype, x.device).triu(offset + 1); // [L, offset + L]
        for (int i = 0; i < decoder.layers.Count; i++) x = RunDecoderLayer(decoder.layers[i], i, x, audioFeatures, mask, cache);
        x = decoder.layer_norm.forward(x); // [B, L, C]
        var logits = proj_out is null ? x.matmul(decoder.embed_tokens.weight.to(x.dtype).t()) : proj_out.forward(x); // [B, L, V]
        return scope.MoveToOuter(logits);
    }

    /// <summary>
    /// Transcribes mel [B, n_mels, 2·max_source_positions] (on the model's device) with greedy or beam search and a
    /// key/value cache; see <see cref="WhisperDecodingOptions"/>. Without a tokenizer the prompt is
    /// <c>decoder_start_token_id</c> (or <see cref="WhisperDecodingOptions.Prompt"/>) and no text is decoded.
    /// </summary>
    public IReadOnlyList<WhisperTranscript> Generate(Tensor mel, WhisperDecodingOptions options, WhisperTokenizer? tokenizer = null) =>
        WhisperDecoding.Run(this, mel, options, tokenizer);

    // Every encoder block runs here, in its own dispose scope, so inference frees a block's attention weights before
    // the next one (training keeps what autograd saved, unless the block is checkpointed).
    private Tensor RunEncoderLayer(EncoderLayer layer, Tensor x)
    {
        using var scope = NewDisposeScope();
        if (Checkpointing(x)) return scope.MoveToOuter(torch.utils.checkpoint(inputs => [layer.Forward(inputs[0])], x)[0]);
        return scope.MoveToOuter(layer.Forward(x));
    }

    // As RunEncoderLayer, for decoder blocks; a checkpointed block never has a cache (that is decoding, not training).
    private Tensor RunDecoderLayer(DecoderLayer layer, int index, Tensor x, Tensor audio, Tensor? mask, WhisperKvCache? cache)
    {
        using var scope = NewDisposeScope();
        if (cache is null && Checkpointing(x))
        {
            // The mask travels as an input: the graph must keep it alive until backward recomputes the
            // block, long after this step's dispose scopes have freed their own tensors.
            Tensor[] inputs = mask is null ? [x, audio] : [x, audio, mask];
            return scope.MoveToOuter(torch.utils.checkpoint(
                args => [layer.Forward(args[0], args[1], args.Length > 2 ? args[2] : null, null, index)], inputs)[0]);
        }
        return scope.MoveToOuter(layer.Forward(x, audio, mask, cache, index));
    }

    // Reentrant checkpointing hands parameter gradients out through the block's inputs, so it only applies when
    // an input is part of the graph (always so in training, where the convolutions and embeddings precede the blocks).
    private bool Checkpointing(Tensor input) => GradientCheckpointing && training && input.requires_grad;

    private Tensor Dropout(Tensor x) => Config.Dropout > 0 ? F.dropout(x, Config.Dropout, training) : x;

    private static Tensor Activation(string name, Tensor x) => name == "gelu" ? F.gelu(x) : F.gelu(x, "tanh");

    // ---- modules, named as Hugging Face names them -------------------------------------------

    private sealed class Model : Module
    {
        public readonly Encoder encoder;
        public readonly Decoder decoder;

        public Model(WhisperConfig config)
        {
            encoder = new Encoder(config);
            decoder = new Decoder(config);
            RegisterComponents();
        }
    }

    private sealed class Encoder : Module
    {
        public readonly Conv1d conv1;
        public readonly Conv1d conv2;
        public readonly SinusoidalPositions embed_positions;
        public readonly ModuleList<EncoderLayer> layers = new();
        public readonly LayerNorm layer_norm;

        public Encoder(WhisperConfig config)
        {
            conv1 = new Conv1d(config.NumMelBins, config.DModel, kernel_size: 3, padding: 1);
            conv2 = new Conv1d(config.DModel, config.DModel, kernel_size: 3, stride: 2, padding: 1);
            embed_positions = new SinusoidalPositions(config.MaxSourcePositions, config.DModel);
            for (int i = 0; i < config.EncoderLayers; i++) layers.Add(new EncoderLayer(config));
            layer_norm = new LayerNorm(config.DModel);
            RegisterComponents();
        }
    }

    /// <summary>The encoder's fixed positions. Hugging Face stores them as <c>embed_positions.weight</c> (an embedding
    /// that is never trained); here they are a buffer under that name, so they are saved and loaded but no optimizer
    /// sees them.</summary>
    private sealed class SinusoidalPositions : Module
    {
        public SinusoidalPositions(int length, int channels)
        {
            weight = Sinusoids(length, channels);
            RegisterComponents();
        }

        [field: Buffer]
        public Tensor weight { get; private set; } // [positions, C]

        // openai's sinusoids(): sin of the first half of the channels, then cos of the same angles.
        private static Tensor Sinusoids(int length, int channels)
        {
            using var scope = NewDisposeScope();
            double increment = Math.Log(10000) / (channels / 2 - 1);
            var inverse = (arange(channels / 2, float32) * -increment).exp(); // [C/2]
            var angles = arange(length, float32).unsqueeze(1) * inverse.unsqueeze(0); // [T, C/2]
            return scope.MoveToOuter(cat([angles.sin(), angles.cos()], 1)); // [T, C]
        }
    }

    private sealed class Decoder : Module
    {
        // No padding_idx, as in openai/whisper: the pad id is end-of-text, whose embedding is trained.
        public readonly Embedding embed_tokens;
        public readonly Embedding embed_positions;
        public readonly ModuleList<DecoderLayer> layers = new();
        public readonly LayerNorm layer_norm;

        public Decoder(WhisperConfig config)
        {
            embed_tokens = new Embedding(config.VocabSize, config.DModel);
            embed_positions = new Embedding(config.MaxTargetPositions, config.DModel);
            for (int i = 0; i < config.DecoderLayers; i++) layers.Add(new DecoderLayer(config));
            layer_norm = new LayerNorm(config.DModel);
            RegisterComponents();
        }
    }

    private sealed class EncoderLayer : Module
    {
        public readonly Attention self_attn;
        public readonly LayerNorm self_attn_layer_norm;
        public readonly Linear fc1;
        public readonly Linear fc2;
        public readonly LayerNorm final_layer_norm;
        private readonly WhisperConfig config;

        public EncoderLayer(WhisperConfig config)
        {
            this.config = config;
            self_attn = new Attention(config.DModel, config.EncoderAttentionHeads, config.AttentionDropout);
            self_attn_layer_norm = new LayerNorm(config.DModel);
            fc1 = new Linear(config.DModel, config.EncoderFfnDim);
            fc2 = new Linear(config.EncoderFfnDim, config.DModel);
            final_layer_norm = new LayerNorm(config.DModel);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x) // [B, S, C]
        {
            var h = self_attn_layer_norm.forward(x);
            var (keys, values) = self_attn.KeysValues(h);
            x = x + Dropout(self_attn.Attend(h, keys, values, null));
            return x + Dropout(FeedForward(config, fc1, fc2, final_layer_norm.forward(x), training));
        }

        private Tensor Dropout(Tensor x) => config.Dropout > 0 ? F.dropout(x, config.Dropout, training) : x;
    }

    private sealed class DecoderLayer : Module
    {
        public readonly Attention self_attn;
        public readonly LayerNorm self_attn_layer_norm;
        public readonly Attention encoder_attn;
        public readonly LayerNorm encoder_attn_layer_norm;
        public readonly Linear fc1;
        public readonly Linear fc2;
        public readonly LayerNorm final_layer_norm;
        private readonly WhisperConfig config;

        public DecoderLayer(WhisperConfig config)
        {
            this.config = config;
            self_attn = new Attention(config.DModel, config.DecoderAttentionHeads, config.AttentionDropout);
            self_attn_layer_norm = new LayerNorm(config.DModel);
            encoder_attn = new Attention(config.DModel, config.DecoderAttentionHeads, config.AttentionDropout);
            encoder_attn_layer_norm = new LayerNorm(config.DModel);
            fc1 = new Linear(config.DModel, config.DecoderFfnDim);
            fc2 = new Linear(config.DecoderFfnDim, config.DModel);
            final_layer_norm = new LayerNorm(config.DModel);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor audio, Tensor? mask, WhisperKvCache? cache, int index) // x [B, L, C], audio [B, S, C]
        {
            var h = self_attn_layer_norm.forward(x);
            var (keys, values) = self_attn.KeysValues(h); // [B, H, L, D] each
            if (cache is not null) (keys, values) = cache.AppendSelf(index, keys, values); // [B, H, cached + L, D]
            x = x + Dropout(self_attn.Attend(h, keys, values, mask));

            h = encoder_attn_layer_norm.forward(x);
            (keys, values) = cache is null ? encoder_attn.KeysValues(audio) : cache.Cross(index, () => encoder_attn.KeysValues(audio)); // [B, H, S, D]
            x = x + Dropout(encoder_attn.Attend(h, keys, values, null));

            return x + Dropout(FeedForward(config, fc1, fc2, final_layer_norm.forward(x), training));
        }

        private Tensor Dropout(Tensor x) => config.Dropout > 0 ? F.dropout(x, config.Dropout, training) : x;
    }

    private static Tensor FeedForward(WhisperConfig config, Linear fc1, Linear fc2, Tensor x, bool training) // [B, T, C]
    {
        var h = Activation(config.ActivationFunction, fc1.forward(x)); // [B, T, ffn]
        if (config.ActivationDropout > 0) h = F.dropout(h, config.ActivationDropout, training);
        return fc2.forward(h); // [B, T, C]
    }

    private sealed class Attention : Module
    {
        public readonly Linear q_proj;
        public readonly Linear k_proj;
        public readonly Linear v_proj;
        public readonly Linear out_proj;
        private readonly int heads;
        private readonly double scale;
        private readonly double dropout;

        public Attention(int width, int heads, double dropout)
        {
            this.heads = heads;
            this.dropout = dropout;
            scale = Math.Pow(width / heads, -0.25);
            q_proj = new Linear(width, width);
            k_proj = new Linear(width, width, bias: false);
            v_proj = new Linear(width, width);
            out_proj = new Linear(width, width);
            RegisterComponents();
        }

        /// <summary>Keys (already scaled) and values [B, H, S, D] of <paramref name="source"/> [B, S, C].</summary>
        public (Tensor keys, Tensor values) KeysValues(Tensor source) =>
            (SplitHeads(k_proj.forward(source)) * scale, SplitHeads(v_proj.forward(source)));

        /// <summary>Attention of queries from <paramref name="x"/> [B, T, C] over keys and values [B, H, S, D];
        /// <paramref name="mask"/> [T, S] is added to the scores.</summary>
        public Tensor Attend(Tensor x, Tensor keys, Tensor values, Tensor? mask)
        {
            var q = SplitHeads(q_proj.forward(x)) * scale; // [B, H, T, D]
            var scores = q.matmul(keys.transpose(-1, -2)); // [B, H, T, S]
            if (mask is not null) scores = scores + mask;
            var weights = scores.softmax(-1, float32).to(q.dtype); // [B, H, T, S]
            if (dropout > 0) weights = F.dropout(weights, dropout, training);
            var output = weights.matmul(values).transpose(1, 2); // [B, T, H, D]
            return out_proj.forward(output.reshape(x.size(0), x.size(1), -1)); // [B, T, C]
        }

        private Tensor SplitHeads(Tensor x) => x.view(x.size(0), x.size(1), heads, -1).transpose(1, 2); // [B, T, C] → [B, H, T, D]
    }
}
