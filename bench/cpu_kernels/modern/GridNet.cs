namespace Cluster.Bench.CpuKernels.Modern;

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

/// <summary>
/// TF-GridNetV2 arguments: tests/tools/gridnet_reference.py's DEFAULTS (ESPnet's) overridden by
/// train_step.py's GRIDNET_16K (TFGridNetV2Config.Speech16k).
/// </summary>
internal sealed record GridNetConfig(
    int Sources, int FftSize, int Stride, int Microphones, int Layers, int LstmHidden, int AttentionHeads,
    int ApproxQkDim, int EmbeddingDim, int EmbeddingKernel, int EmbeddingHop, double Eps)
{
    public static readonly GridNetConfig Speech16k = new(
        Sources: 2, FftSize: 512, Stride: 256, Microphones: 1, Layers: 4, LstmHidden: 128, AttentionHeads: 4,
        ApproxQkDim: 512, EmbeddingDim: 128, EmbeddingKernel: 4, EmbeddingHop: 1, Eps: 1e-5);

    public int Frequencies => FftSize / 2 + 1;
}

/// <summary>
/// A TorchSharp port of tests/tools/gridnet_reference.py's TFGridNetV2 (ESPnet semantics, Hann window):
/// mixture / unbiased std → periodic-Hann STFT (center, reflect padding, not normalised, one-sided) →
/// real and imaginary channels → Conv2d 3×3 + GroupNorm(1) → blocks → ConvTranspose2d 3×3 → complex
/// spectra → iSTFT (same window, center, length N) → × std.
/// </summary>
internal sealed class GridNetV2 : nn.Module<Tensor, Tensor>
{
    public const int SampleRate = 16000;
    private readonly GridNetConfig config;
    private readonly Sequential conv;
    private readonly ModuleList<GridNetBlock> blocks;
    private readonly ConvTranspose2d deconv;

    public GridNetV2(GridNetConfig config) : base(nameof(GridNetV2))
    {
        this.config = config;
        conv = nn.Sequential(
            nn.Conv2d(2 * config.Microphones, config.EmbeddingDim, (3, 3), padding: (1, 1)),
            nn.GroupNorm(1, config.EmbeddingDim, eps: config.Eps));
        blocks = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new GridNetBlock(config)).ToArray());
        deconv = nn.ConvTranspose2d(config.EmbeddingDim, 2 * config.Sources, (3, 3), padding: (1, 1));
        RegisterComponents();
    }

    /// <summary>mixture [B, N] → estimates [B, sources, N].</summary>
    public override Tensor forward(Tensor mixture) => Lifetimes.Scoped(() =>
    {
        var x = mixture.unsqueeze(-1);
        long b = x.shape[0], n = x.shape[1], m = x.shape[2];
        var std = x.std([1, 2], unbiased: true, keepdim: true);
        x = (x / std).transpose(1, 2).reshape(b * m, n);
        var window = hann_window(config.FftSize, periodic: true, dtype: x.dtype);
        var spec = stft(x, config.FftSize, config.Stride, config.FftSize, window, center: true, pad_mode: PaddingModes.Reflect,
            normalized: false, onesided: true, return_complex: true);
        long f = spec.shape[^2], t = spec.shape[^1];
        spec = spec.reshape(b, m, f, t).transpose(2, 3);  // [B, M, T, F]
        var y = conv.call(cat([spec.real, spec.imag], dim: 1));
        foreach (var block in blocks)
        {
            var previous = y;
            y = block.call(y);
            previous.Dispose();  // as Python's `y = block(y)` drops the last reference
        }
        y = deconv.call(y).reshape(b, config.Sources, 2, t, f);
        var estimate = complex(y.select(2, 0), y.select(2, 1)).reshape(b * config.Sources, t, f).transpose(1, 2);
        var waves = istft(estimate, config.FftSize, config.Stride, config.FftSize, window, center: true, normalized: false,
            onesided: true, length: n);
        return waves.reshape(b, config.Sources, n) * std;
    });

    /// <summary>Negative SI-SNR averaged over batch and sources (gridnet_reference.loss).</summary>
    public static Tensor Loss(Tensor estimate, Tensor reference) => Lifetimes.Scoped(() => -SiSnr(estimate, reference).mean());

    /// <summary>SI-SNR in dB over the last axis, both signals made zero-mean (ESPnet's definition).</summary>
    private static Tensor SiSnr(Tensor estimate, Tensor reference, double eps = 1e-8)
    {
        estimate = estimate - estimate.mean([-1], keepdim: true);
        reference = reference - reference.mean([-1], keepdim: true);
        var target = (estimate * reference).sum(-1, keepdim: true) / ((reference * reference).sum(-1, keepdim: true) + eps) * reference;
        var error = estimate - target;
        return 10 * log10((target * target).sum(-1) / ((error * error).sum(-1) + eps) + eps);
    }
}

/// <summary>One TF-GridNetV2 block: BiLSTM across frequency, BiLSTM across time, full-band self-attention.</summary>
internal sealed class GridNetBlock : nn.Module<Tensor, Tensor>
{
    private readonly long emb, ks, hs, heads;
    private readonly LayerNorm intra_norm, inter_norm;
    private readonly LSTM intra_rnn, inter_rnn;
    private readonly ConvTranspose1d intra_linear, inter_linear;
    private readonly Conv2d attn_conv_Q, attn_conv_K, attn_conv_V;
    private readonly HeadwisePReLUNorm attn_norm_Q, attn_norm_K, attn_norm_V;
    private readonly Sequential attn_concat_proj;

    public GridNetBlock(GridNetConfig c) : base(nameof(GridNetBlock))
    {
        emb = c.EmbeddingDim;
        ks = c.EmbeddingKernel;
        hs = c.EmbeddingHop;
        heads = c.AttentionHeads;
        // The reference projects with nn.Linear when emb_ks == emb_hs (windows that do not overlap); the
        // 16 kHz preset overlaps them (4 and 1), so only the ConvTranspose1d form is ported.
        if (ks == hs || emb % heads != 0)
        {
            throw new ArgumentException("this port covers emb_ks != emb_hs and emb_dim divisible by the heads", nameof(c));
        }
        long width = emb * ks;
        int freqs = c.Frequencies;
        intra_norm = nn.LayerNorm(emb, eps: c.Eps);
        intra_rnn = nn.LSTM(width, c.LstmHidden, 1, batchFirst: true, bidirectional: true);
        intra_linear = nn.ConvTranspose1d(2 * c.LstmHidden, emb, ks, stride: hs);
        inter_norm = nn.LayerNorm(emb, eps: c.Eps);
        inter_rnn = nn.LSTM(width, c.LstmHidden, 1, batchFirst: true, bidirectional: true);
        inter_linear = nn.ConvTranspose1d(2 * c.LstmHidden, emb, ks, stride: hs);
        int qk = (int)Math.Ceiling((double)c.ApproxQkDim / freqs);
        attn_conv_Q = nn.Conv2d(emb, heads * qk, 1);
        attn_norm_Q = new HeadwisePReLUNorm(heads, qk, freqs, c.Eps);
        attn_conv_K = nn.Conv2d(emb, heads * qk, 1);
        attn_norm_K = new HeadwisePReLUNorm(heads, qk, freqs, c.Eps);
        attn_conv_V = nn.Conv2d(emb, emb, 1);
        attn_norm_V = new HeadwisePReLUNorm(heads, emb / heads, freqs, c.Eps);
        attn_concat_proj = nn.Sequential(nn.Conv2d(emb, emb, 1), nn.PReLU(1), new FrameLayerNorm(emb, freqs, c.Eps));
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Lifetimes.Scoped(() =>
    {
        long oldT = x.shape[2], oldQ = x.shape[3];
        long olp = ks - hs;
        long t = Padded(oldT), q = Padded(oldQ);
        x = F.pad(x.permute(0, 2, 3, 1), [0, 0, olp, q - oldQ - olp, olp, t - oldT - olp]);  // [B, T, Q, C]
        x = SequenceModel(x, intra_norm, intra_rnn, intra_linear);  // across frequency
        x = SequenceModel(x.transpose(1, 2), inter_norm, inter_rnn, inter_linear);  // across time, [B, Q, T, C]
        x = x.permute(0, 3, 2, 1)[TensorIndex.Ellipsis, TensorIndex.Slice(olp, olp + oldT), TensorIndex.Slice(olp, olp + oldQ)];  // [B, C, T, F]
        return Attention(x) + x;
    });

    /// <summary>The padded length whose windows of emb_ks with hop emb_hs tile it (emb_ks − emb_hs zeros in front).</summary>
    private long Padded(long n) => (long)Math.Ceiling((double)(n + 2 * (ks - hs) - ks) / hs) * hs + ks;

    /// <summary>BiLSTM along axis 2 of [B, R, L, C] (every (b, r) a sequence) with its residual.</summary>
    private Tensor SequenceModel(Tensor x, LayerNorm norm, LSTM rnn, ConvTranspose1d projection) => Lifetimes.Scoped(() =>
    {
        long b = x.shape[0], r = x.shape[1], length = x.shape[2], c = x.shape[3];
        var y = norm.call(x).reshape(b * r, length, c);
        var windows = y.unfold(1, ks, hs).flatten(2);  // [B·R, L', C·ks], channel-major like F.unfold
        var (output, _, _) = rnn.call(windows);
        y = projection.call(output.transpose(1, 2));  // [B·R, C, L]
        y = y.reshape(b, r, c, length).transpose(2, 3);
        return y + x;
    });

    private Tensor Attention(Tensor x) => Lifetimes.Scoped(() =>
    {
        long b = x.shape[0], c = x.shape[1], t = x.shape[2], f = x.shape[3];
        var q = attn_norm_Q.call(attn_conv_Q.call(x)).flatten(0, 1);  // [B·H, E, T, F]
        var k = attn_norm_K.call(attn_conv_K.call(x)).flatten(0, 1);
        var v = attn_norm_V.call(attn_conv_V.call(x)).flatten(0, 1);  // [B·H, C/H, T, F]
        q = q.transpose(1, 2).flatten(2);  // [B·H, T, E·F]
        k = k.transpose(1, 2).flatten(2);
        long vc = v.shape[1];
        v = v.transpose(1, 2).flatten(2);  // [B·H, T, C/H·F]
        var weights = softmax(matmul(q, k.transpose(1, 2)) / Math.Sqrt(q.shape[^1]), -1);
        var output = matmul(weights, v).reshape(b * heads, t, vc, f).transpose(1, 2).reshape(b, c, t, f);
        return attn_concat_proj.call(output);
    });
}

/// <summary>Normalises [B, C, T, F] over (C, F) of each frame; affine parameters per (channel, frequency).</summary>
internal sealed class FrameLayerNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter gamma, beta;
    private readonly double eps;

    public FrameLayerNorm(long channels, long freqs, double eps) : base(nameof(FrameLayerNorm))
    {
        gamma = nn.Parameter(ones(1, channels, 1, freqs));
        beta = nn.Parameter(zeros(1, channels, 1, freqs));
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Lifetimes.Scoped(() =>
    {
        var mean = x.mean([1, 3], keepdim: true);
        var variance = x.var([1, 3], unbiased: false, keepdim: true);
        return (x - mean) / sqrt(variance + eps) * gamma + beta;
    });
}

/// <summary>[B, H·E, T, F] → [B, H, E, T, F]: PReLU with one slope per head, then normalisation over (E, F) of each frame and head.</summary>
internal sealed class HeadwisePReLUNorm : nn.Module<Tensor, Tensor>
{
    private readonly Parameter gamma, beta;
    private readonly PReLU act;
    private readonly long heads, channels;
    private readonly double eps;

    public HeadwisePReLUNorm(long heads, long channels, long freqs, double eps) : base(nameof(HeadwisePReLUNorm))
    {
        gamma = nn.Parameter(ones([1, heads, channels, 1, freqs]));
        beta = nn.Parameter(zeros([1, heads, channels, 1, freqs]));
        act = nn.PReLU(heads, init: 0.25);
        this.heads = heads;
        this.channels = channels;
        this.eps = eps;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => Lifetimes.Scoped(() =>
    {
        long b = x.shape[0], t = x.shape[2], f = x.shape[3];
        x = act.call(x.reshape(b, heads, channels, t, f));
        var mean = x.mean([2, 4], keepdim: true);
        var variance = x.var([2, 4], unbiased: false, keepdim: true);
        return (x - mean) / sqrt(variance + eps) * gamma + beta;
    });
}
