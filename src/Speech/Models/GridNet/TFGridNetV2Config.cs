using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cluster.Speech.Models.GridNet;

/// <summary>
/// Hyper-parameters of <see cref="TFGridNetV2"/>, named and defaulted as the arguments of ESPnet's
/// <c>espnet2/enh/separator/tfgridnetv2_separator.py</c> (<c>separator_conf</c> in a recipe), so a config
/// written next to a checkpoint reads the same in both projects.
/// </summary>
public sealed record TFGridNetV2Config
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        // A misspelt key would otherwise fall back to a default silently and build a different model.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    /// <summary>
    /// ESPnet's 8 kHz wsj0-2mix recipe, which is also the separator's argument defaults:
    /// <c>egs2/wsj0_2mix/enh1/conf/tuning/train_enh_tfgridnetv2_tf_lr-patience3_patience5.yaml</c>
    /// (n_fft 128, stride 64, 6 layers, LSTM 192, 4 heads, qk 512, emb_dim 48, emb_ks 4, emb_hs 1).
    /// </summary>
    public static TFGridNetV2Config Espnet8k { get; } = new();

    /// <summary>
    /// Our users' 16 kHz model: a 32 ms window with 16 ms hop, 4 layers, LSTM 128, 4 heads, embedding 128;
    /// everything else at ESPnet's defaults.
    /// </summary>
    public static TFGridNetV2Config Speech16k { get; } = new()
    {
        n_fft = 512,
        stride = 256,
        n_layers = 4,
        lstm_hidden_units = 128,
        attn_n_head = 4,
        emb_dim = 128,
    };

    public int n_srcs { get; init; } = 2;
    public int n_fft { get; init; } = 128;
    public int stride { get; init; } = 64;

    /// <summary>"hann" or "hamming", periodic as torch's window functions.</summary>
    public string window { get; init; } = "hann";

    public int n_imics { get; init; } = 1;
    public int n_layers { get; init; } = 6;
    public int lstm_hidden_units { get; init; } = 192;
    public int attn_n_head { get; init; } = 4;

    /// <summary>Per-head query/key size summed over frequency; each head gets ceil(attn_approx_qk_dim / n_freqs) channels.</summary>
    public int attn_approx_qk_dim { get; init; } = 512;

    public int emb_dim { get; init; } = 48;

    /// <summary>Kernel of the unfold over frequency (intra) and time (inter); equal to emb_hs selects the Linear path.</summary>
    public int emb_ks { get; init; } = 4;

    public int emb_hs { get; init; } = 1;

    /// <summary>Only "prelu", as in ESPnet's GridNetV2Block.</summary>
    public string activation { get; init; } = "prelu";

    public double eps { get; init; } = 1e-5;

    /// <summary>One-sided STFT bins.</summary>
    [JsonIgnore]
    public int n_freqs => n_fft / 2 + 1;

    /// <summary>Channels per attention head of queries and keys: ESPnet's E.</summary>
    [JsonIgnore]
    public int qk_channels => (attn_approx_qk_dim + n_freqs - 1) / n_freqs;

    /// <summary>Throws when the values cannot build a model, naming the first bad one.</summary>
    public void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value <= 0) throw new ArgumentException($"{name} must be positive, got {value}", name);
        }

        Positive(n_srcs, nameof(n_srcs));
        Positive(n_fft, nameof(n_fft));
        Positive(stride, nameof(stride));
        Positive(n_imics, nameof(n_imics));
        Positive(n_layers, nameof(n_layers));
        Positive(lstm_hidden_units, nameof(lstm_hidden_units));
        Positive(attn_n_head, nameof(attn_n_head));
        Positive(attn_approx_qk_dim, nameof(attn_approx_qk_dim));
        Positive(emb_dim, nameof(emb_dim));
        Positive(emb_ks, nameof(emb_ks));
        Positive(emb_hs, nameof(emb_hs));
        if (n_fft % 2 != 0) throw new ArgumentException($"n_fft must be even, got {n_fft}", nameof(n_fft));
        if (stride > n_fft) throw new ArgumentException($"stride {stride} exceeds n_fft {n_fft}: the iSTFT could not overlap-add", nameof(stride));
        if (emb_dim % attn_n_head != 0)
            throw new ArgumentException($"emb_dim {emb_dim} must be divisible by attn_n_head {attn_n_head}", nameof(emb_dim));
        if (emb_hs > emb_ks) throw new ArgumentException($"emb_hs {emb_hs} must not exceed emb_ks {emb_ks}", nameof(emb_hs));
        if (window is not ("hann" or "hamming")) throw new ArgumentException($"window must be \"hann\" or \"hamming\", got \"{window}\"", nameof(window));
        if (activation != "prelu") throw new ArgumentException($"activation must be \"prelu\", got \"{activation}\"", nameof(activation));
        if (!(eps > 0)) throw new ArgumentException($"eps must be positive, got {eps}", nameof(eps));
    }

    /// <summary>Reads ESPnet's keys; absent ones take the separator's defaults, unknown ones are an error.</summary>
    public static TFGridNetV2Config FromJson(string json)
    {
        var config = JsonSerializer.Deserialize<TFGridNetV2Config>(json, JsonOptions)
            ?? throw new JsonException("a TF-GridNetV2 config must be a JSON object, not null");
        config.Validate();
        return config;
    }

    public static TFGridNetV2Config Load(string path) => FromJson(File.ReadAllText(path));

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void Save(string path) => File.WriteAllText(path, ToJson());
}
