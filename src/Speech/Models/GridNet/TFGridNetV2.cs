using Cluster.Torch;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;
using F = Cluster.Torch.torch.nn.functional;

namespace Cluster.Speech.Models.GridNet;

/// <summary>
/// TF-GridNetV2 speech separation (Wang et al., TASLP 2023) with ESPnet's semantics and parameter names
/// (<c>espnet2/enh/separator/tfgridnetv2_separator.py</c> plus its STFT encoder and decoder), so ESPnet
/// checkpoints load strictly. The mixture is divided by its standard deviation, turned into a complex
/// spectrogram whose real and imaginary parts are two channels, mapped by a 3×3 convolution and N grid
/// blocks (BiLSTM across frequency, BiLSTM across time, full-band self-attention across frames) to
/// real/imaginary spectra of every source, and returned to the waveform with the std multiplied back.
/// </summary>
public sealed class TFGridNetV2 : Module<Tensor, Tensor>
{
    private readonly Sequential conv;
    private readonly ModuleList<GridNetV2Block> blocks;
    private readonly ConvTranspose2d deconv;

    // Not in ESPnet's checkpoints (it rebuilds the window on every call), but a buffer follows .to(device).
    [Buffer(persistent: false)]
    private Tensor window;

    public TFGridNetV2(TFGridNetV2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        this.config = config;
        conv = nn.Sequential(
            nn.Conv2d(2 * config.n_imics, config.emb_dim, (3, 3), padding: (1, 1)),
            nn.GroupNorm(1, config.emb_dim, config.eps));
        blocks = nn.ModuleList<GridNetV2Block>();
        for (var i = 0; i < config.n_layers; i++) blocks.Add(new GridNetV2Block(config));
        deconv = nn.ConvTranspose2d(config.emb_dim, 2 * config.n_srcs, (3, 3), padding: (1, 1));
        window = config.window == "hann" ? hann_window(config.n_fft) : hamming_window(config.n_fft);
        RegisterComponents();
    }

    public TFGridNetV2Config config { get; }

    /// <summary>
    /// mixture [B, N] (or [B, N, M] with M = n_imics microphones) → estimates [B, n_srcs, N] at the
    /// mixture's scale.
    /// </summary>
    public override Tensor forward(Tensor mixture)
    {
        var input = mixture.dim() == 2 ? mixture.unsqueeze(2) : mixture;  // [B, N, M]
        if (input.dim() != 3 || input.size(2) != config.n_imics)
            throw new ArgumentException(
                $"expected a mixture [B, N] or [B, N, {config.n_imics}] for n_imics = {config.n_imics}, got [{string.Join(", ", mixture.shape)}]",
                nameof(mixture));
        long batch = input.size(0), samples = input.size(1), mics = input.size(2);
        long sources = config.n_srcs, freqs = config.n_freqs;

        // Unbiased std over samples and microphones, as torch.std in ESPnet; the network sees unit-variance input.
        var std = input.std([1, 2], unbiased: true, keepdim: true);  // [B, 1, 1]
        var normalised = (input / std).transpose(1, 2).reshape(batch * mics, samples);  // [B·M, N]

        var spectrum = stft(normalised, config.n_fft, config.stride, config.n_fft, window);  // [B·M, F, T] complex
        var frames = spectrum.size(2);
        spectrum = spectrum.reshape(batch, mics, freqs, frames).transpose(2, 3);  // [B, M, T, F]
        var x = cat([spectrum.real(), spectrum.imag()], 1);  // [B, 2M, T, F]

        x = conv.forward(x);  // [B, C, T, F]
        foreach (var block in blocks)
        {
            // A block's input is not saved for backward (it is padded into a copy first); free it now, as Python does
            // when it rebinds the name, rather than at the end of the step.
            var next = block.forward(x);  // [B, C, T, F]
            x.Dispose();
            x = next;
        }
        x = deconv.forward(x);  // [B, 2S, T, F]

        var parts = x.reshape(batch, sources, 2, frames, freqs);  // [B, S, 2, T, F]
        var estimate = complex(parts.select(2, 0), parts.select(2, 1));  // [B, S, T, F]
        estimate = estimate.reshape(batch * sources, frames, freqs).transpose(1, 2);  // [B·S, F, T]
        var waves = istft(estimate, config.n_fft, config.stride, config.n_fft, window, length: samples);  // [B·S, N]
        return waves.reshape(batch, sources, samples) * std;  // [B, S, N]
    }
}

/// <summary>
/// One TF-GridNetV2 block: an intra-frame BiLSTM over (unfolded) frequency, an inter-frame BiLSTM over
/// (unfolded) time, each with a residual, then full-band multi-head self-attention over frames with a
/// residual. Field names are ESPnet's module names.
/// </summary>
internal sealed class GridNetV2Block : Module<Tensor, Tensor>
{
    private readonly LayerNorm intra_norm;
    private readonly LSTM intra_rnn;
    private readonly Module<Tensor, Tensor> intra_linear;
    private readonly LayerNorm inter_norm;
    private readonly LSTM inter_rnn;
    private readonly Module<Tensor, Tensor> inter_linear;
    private readonly Conv2d attn_conv_Q;
    private readonly AllHeadPReLULayerNormalization4DCF attn_norm_Q;
    private readonly Conv2d attn_conv_K;
    private readonly AllHeadPReLULayerNormalization4DCF attn_norm_K;
    private readonly Conv2d attn_conv_V;
    private readonly AllHeadPReLULayerNormalization4DCF attn_norm_V;
    private readonly Sequential attn_concat_proj;

    private readonly long embKs;
    private readonly long embHs;
    private readonly long heads;

    public GridNetV2Block(TFGridNetV2Config config)
    {
        int emb = config.emb_dim, hidden = config.lstm_hidden_units, freqs = config.n_freqs, qk = config.qk_channels;
        embKs = config.emb_ks;
        embHs = config.emb_hs;
        heads = config.attn_n_head;
        var inChannels = emb * config.emb_ks;

        intra_norm = nn.LayerNorm(emb, config.eps);
        intra_rnn = nn.LSTM(inChannels, hidden, batch_first: true, bidirectional: true);
        intra_linear = Projection(config, hidden, inChannels);
        inter_norm = nn.LayerNorm(emb, config.eps);
        inter_rnn = nn.LSTM(inChannels, hidden, batch_first: true, bidirectional: true);
        inter_linear = Projection(config, hidden, inChannels);

        attn_conv_Q = nn.Conv2d(emb, heads * qk, 1);
        attn_norm_Q = new AllHeadPReLULayerNormalization4DCF(heads, qk, freqs, config.eps);
        attn_conv_K = nn.Conv2d(emb, heads * qk, 1);
        attn_norm_K = new AllHeadPReLULayerNormalization4DCF(heads, qk, freqs, config.eps);
        attn_conv_V = nn.Conv2d(emb, emb, 1);
        attn_norm_V = new AllHeadPReLULayerNormalization4DCF(heads, emb / heads, freqs, config.eps);
        attn_concat_proj = nn.Sequential(nn.Conv2d(emb, emb, 1), nn.PReLU(), new LayerNormalization4DCF(emb, freqs, config.eps));
        RegisterComponents();
    }

    // Without overlap (emb_ks = emb_hs) the windows tile the axis, so a Linear maps each one back; with
    // overlap a transposed convolution overlap-adds them.
    private static Module<Tensor, Tensor> Projection(TFGridNetV2Config config, int hidden, int inChannels) =>
        config.emb_ks == config.emb_hs
            ? nn.Linear(2 * hidden, inChannels)
            : nn.ConvTranspose1d(2 * hidden, config.emb_dim, config.emb_ks, config.emb_hs);

    /// <summary>[B, C, T, F] → [B, C, T, F]</summary>
    public override Tensor forward(Tensor x)
    {
        // Autograd keeps what backward needs; the scope frees the block's other intermediates now instead of at the
        // end of the step, which at 16 kHz and 4 s is gigabytes.
        using var scope = NewDisposeScope();
        long oldT = x.size(2), oldQ = x.size(3);
        var overlap = embKs - embHs;
        long t = Padded(oldT), q = Padded(oldQ);

        // Both axes get `overlap` frames of zeros in front and enough behind that the windows cover them exactly.
        var input = F.pad(x.permute(0, 2, 3, 1), [0, 0, overlap, q - oldQ - overlap, overlap, t - oldT - overlap]);  // [B, T, Q, C]
        var intra = AlongThirdAxis(intra_norm.forward(input), intra_rnn, intra_linear) + input;  // [B, T, Q, C]

        var across = intra.transpose(1, 2);  // [B, Q, T, C]
        var inter = AlongThirdAxis(inter_norm.forward(across), inter_rnn, inter_linear) + across;  // [B, Q, T, C]

        var grid = inter.permute(0, 3, 2, 1)  // [B, C, T, Q]
            .slice(2, overlap, overlap + oldT)
            .slice(3, overlap, overlap + oldQ);  // [B, C, old_T, old_Q]
        return scope.MoveToOuter(Attention(grid) + grid);
    }

    // ESPnet's ceil((n + 2·overlap − ks) / hs)·hs + ks, the shortest padded length the windows tile.
    private long Padded(long length) =>
        (long)Math.Ceiling((double)(length + 2 * (embKs - embHs) - embKs) / embHs) * embHs + embKs;

    /// <summary>Runs the BiLSTM along axis 2 of [B, R, L, C], every (batch, row) pair a sequence; returns [B, R, L, C].</summary>
    private Tensor AlongThirdAxis(Tensor x, LSTM rnn, Module<Tensor, Tensor> projection)
    {
        // Intermediates that backward does not keep (the normalised input, the LSTM's final states) are freed on
        // return instead of at the end of the block.
        using var scope = NewDisposeScope();
        long b = x.size(0), rows = x.size(1), length = x.size(2), channels = x.size(3);
        if (embKs == embHs)
        {
            var tiles = x.reshape(b * rows, length / embKs, embKs * channels);  // [B·R, L/I, I·C]
            var (tileStates, _) = rnn.forward(tiles);  // [B·R, L/I, 2H]
            return scope.MoveToOuter(projection.forward(tileStates).reshape(b, rows, length, channels));  // [B, R, L, C]
        }

        // F.unfold's order: channel-major, then the offset within the window.
        var windows = x.reshape(b * rows, length, channels)
            .unfold(1, embKs, embHs)  // [B·R, L', C, I]
            .flatten(2);  // [B·R, L', C·I]
        var (states, _) = rnn.forward(windows);  // [B·R, L', 2H]
        var restored = projection.forward(states.transpose(1, 2));  // [B·R, C, L]
        return scope.MoveToOuter(restored.reshape(b, rows, channels, length).transpose(2, 3));  // [B, R, L, C]
    }

    /// <summary>Full-band self-attention across frames: each head attends with the whole spectrum of a frame.</summary>
    private Tensor Attention(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.size(0), frames = x.size(2), freqs = x.size(3);
        var query = attn_norm_Q.forward(attn_conv_Q.forward(x)).flatten(0, 1);  // [B·H, E, T, F]
        var key = attn_norm_K.forward(attn_conv_K.forward(x)).flatten(0, 1);  // [B·H, E, T, F]
        var value = attn_norm_V.forward(attn_conv_V.forward(x)).flatten(0, 1);  // [B·H, C/H, T, F]
        var valueChannels = value.size(1);

        var q = query.transpose(1, 2).flatten(2);  // [B·H, T, E·F]
        var k = key.transpose(2, 3).reshape(b * heads, -1, frames);  // [B·H, E·F, T]
        var v = value.transpose(1, 2).flatten(2);  // [B·H, T, C/H·F]

        var weights = (q.matmul(k) / Math.Sqrt(q.size(2))).softmax(2);  // [B·H, T, T]
        var attended = weights.matmul(v)  // [B·H, T, C/H·F]
            .reshape(b * heads, frames, valueChannels, freqs)
            .transpose(1, 2)  // [B·H, C/H, T, F]
            .reshape(b, heads * valueChannels, frames, freqs);  // [B, C, T, F]
        return scope.MoveToOuter(attn_concat_proj.forward(attended));
    }
}

/// <summary>
/// Per-head PReLU then layer normalisation over each head's channels and frequencies, separately per frame
/// (ESPnet's AllHeadPReLULayerNormalization4DCF): [B, H·E, T, F] → [B, H, E, T, F].
/// </summary>
internal sealed class AllHeadPReLULayerNormalization4DCF : Module<Tensor, Tensor>
{
    private readonly Parameter gamma;
    private readonly Parameter beta;
    private readonly PReLU act;
    private readonly long heads;
    private readonly long channels;
    private readonly double eps;

    public AllHeadPReLULayerNormalization4DCF(long heads, long channels, long freqs, double eps)
    {
        this.heads = heads;
        this.channels = channels;
        this.eps = eps;
        using (var ones = torch.ones(1, heads, channels, 1, freqs)) gamma = new Parameter(ones);
        using (var zeros = torch.zeros(1, heads, channels, 1, freqs)) beta = new Parameter(zeros);
        act = nn.PReLU(heads);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long b = x.size(0), frames = x.size(2), freqs = x.size(3);
        var activated = act.forward(x.reshape(b, heads, channels, frames, freqs));  // [B, H, E, T, F]
        var mean = activated.mean([2, 4], keepdim: true);  // [B, H, 1, T, 1]
        var std = (activated.var([2, 4], unbiased: false, keepdim: true) + eps).sqrt();  // [B, H, 1, T, 1]
        return scope.MoveToOuter((activated - mean) / std * gamma + beta);  // [B, H, E, T, F]
    }
}

/// <summary>
/// Layer normalisation over channels and frequencies, separately per frame, with a per-(channel, frequency)
/// affine map (ESPnet's LayerNormalization4DCF): [B, C, T, F] → [B, C, T, F].
/// </summary>
internal sealed class LayerNormalization4DCF : Module<Tensor, Tensor>
{
    private readonly Parameter gamma;
    private readonly Parameter beta;
    private readonly double eps;

    public LayerNormalization4DCF(long channels, long freqs, double eps)
    {
        this.eps = eps;
        using (var ones = torch.ones(1, channels, 1, freqs)) gamma = new Parameter(ones);
        using (var zeros = torch.zeros(1, channels, 1, freqs)) beta = new Parameter(zeros);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var mean = x.mean([1, 3], keepdim: true);  // [B, 1, T, 1]
        var std = (x.var([1, 3], unbiased: false, keepdim: true) + eps).sqrt();  // [B, 1, T, 1]
        return scope.MoveToOuter((x - mean) / std * gamma + beta);  // [B, C, T, F]
    }
}
