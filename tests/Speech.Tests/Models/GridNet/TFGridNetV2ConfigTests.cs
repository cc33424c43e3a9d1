using System.Text.Json;
using Cluster.Speech.Models.GridNet;

namespace Cluster.Speech.Tests.Models.GridNet;

public sealed class TFGridNetV2ConfigTests
{
    [Fact]
    public void The_golden_config_reads_with_ESPnet_defaults_for_absent_keys()
    {
        var config = GridNetGolden.Config("gridnet_unfold");

        Assert.Equal(new TFGridNetV2Config
        {
            n_srcs = 1,
            n_fft = 128,
            stride = 64,
            n_layers = 2,
            lstm_hidden_units = 16,
            attn_n_head = 4,
            attn_approx_qk_dim = 64,
            emb_dim = 16,
            emb_ks = 4,
            emb_hs = 1,
        }, config);
        Assert.Equal(("hann", 1, "prelu", 1e-5), (config.window, config.n_imics, config.activation, config.eps));
    }

    [Fact]
    public void Json_round_trips_with_ESPnet_key_names()
    {
        var json = TFGridNetV2Config.Speech16k.ToJson();

        using (var document = JsonDocument.Parse(json))
        {
            string[] keys = [.. document.RootElement.EnumerateObject().Select(p => p.Name)];
            Assert.Equal(["n_srcs", "n_fft", "stride", "window", "n_imics", "n_layers", "lstm_hidden_units", "attn_n_head",
                "attn_approx_qk_dim", "emb_dim", "emb_ks", "emb_hs", "activation", "eps"], keys);
        }
        Assert.Equal(TFGridNetV2Config.Speech16k, TFGridNetV2Config.FromJson(json));
    }

    [Fact]
    public void Presets_are_ESPnets_recipe_and_our_16_kHz_model()
    {
        Assert.Equal(new TFGridNetV2Config(), TFGridNetV2Config.Espnet8k);
        var espnet = TFGridNetV2Config.Espnet8k;
        Assert.Equal((2, 128, 64, 6, 192, 4, 512, 48, 4, 1),
            (espnet.n_srcs, espnet.n_fft, espnet.stride, espnet.n_layers, espnet.lstm_hidden_units, espnet.attn_n_head,
                espnet.attn_approx_qk_dim, espnet.emb_dim, espnet.emb_ks, espnet.emb_hs));

        var ours = TFGridNetV2Config.Speech16k;
        Assert.Equal((512, 256, 4, 128, 4, 128, 4, 1, 512),
            (ours.n_fft, ours.stride, ours.n_layers, ours.lstm_hidden_units, ours.attn_n_head, ours.emb_dim, ours.emb_ks,
                ours.emb_hs, ours.attn_approx_qk_dim));
    }

    [Theory]
    [InlineData("""{ "n_srcs": 2, "emb_dimm": 48 }""")]
    [InlineData("""{ "n_fft": 127 }""")]
    [InlineData("""{ "emb_dim": 50, "attn_n_head": 4 }""")]
    [InlineData("""{ "activation": "relu" }""")]
    [InlineData("""{ "window": "kaiser" }""")]
    [InlineData("""{ "emb_ks": 1, "emb_hs": 2 }""")]
    [InlineData("null")]
    public void Unknown_keys_and_unbuildable_values_are_refused(string json)
    {
        var error = Record.Exception(() => TFGridNetV2Config.FromJson(json));

        Assert.True(error is JsonException or ArgumentException, error?.ToString() ?? "no exception");
    }
}
