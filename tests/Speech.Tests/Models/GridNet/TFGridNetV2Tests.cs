using Cluster.Speech.Models.GridNet;
using Cluster.Torch;
using Xunit.Abstractions;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Tests.Models.GridNet;

[Collection(GlobalRandomCollection.Name)]
public sealed class TFGridNetV2Tests(ITestOutputHelper output)
{
    public static TheoryData<string, int> Presets => new() { { nameof(TFGridNetV2Config.Espnet8k), 8000 }, { nameof(TFGridNetV2Config.Speech16k), 16000 } };

    [Theory]
    [MemberData(nameof(Presets))]
    public void A_preset_separates_40_ms_into_its_sources(string preset, int sampleRate)
    {
        var config = preset == nameof(TFGridNetV2Config.Espnet8k) ? TFGridNetV2Config.Espnet8k : TFGridNetV2Config.Speech16k;
        using var scope = NewDisposeScope();
        manual_seed(1);
        using var model = new TFGridNetV2(config);
        // 40 ms is a few STFT frames: every layer of the full-size preset still runs, on sequences short enough
        // that the test takes seconds rather than the better part of a minute.
        var samples = sampleRate / 25;
        var mixture = randn(1, samples);

        Tensor estimates;
        using (no_grad()) estimates = model.forward(mixture);

        Assert.Equal([1, config.n_srcs, samples], estimates.shape);
        Assert.True(estimates.isfinite().all().item<bool>());
        output.WriteLine($"{preset}: {model.parameters().Sum(p => p.numel()):N0} parameters");
    }

    [Theory]
    [InlineData(2, 2, 3, 1)]  // Linear path tiling two bins or frames per step, three sources
    [InlineData(4, 2, 1, 1)]  // unfold path with a hop of 2
    [InlineData(1, 1, 2, 2)]  // two microphones
    public void Other_shapes_keep_the_input_length(int embKs, int embHs, int sources, int mics)
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var config = new TFGridNetV2Config
        {
            n_srcs = sources,
            n_fft = 32,
            stride = 16,
            n_imics = mics,
            n_layers = 1,
            lstm_hidden_units = 8,
            attn_n_head = 2,
            attn_approx_qk_dim = 20,
            emb_dim = 8,
            emb_ks = embKs,
            emb_hs = embHs,
        };
        using var model = new TFGridNetV2(config);
        // An odd length: the iSTFT must still give back exactly as many samples as came in.
        var mixture = mics == 1 ? randn(2, 999) : randn(2, 999, mics);

        var estimates = model.forward(mixture);
        estimates.sum().backward();

        Assert.Equal([2, sources, 999], estimates.shape);
        Assert.All(model.named_parameters(), p => Assert.True(p.parameter.grad is not null, $"{p.name} has no gradient"));
    }

    [Fact]
    public void The_output_follows_the_mixture_scale()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var model = new TFGridNetV2(new TFGridNetV2Config { n_fft = 32, stride = 16, n_layers = 1, lstm_hidden_units = 8, emb_dim = 8 });
        var mixture = randn(1, 800);

        using (no_grad())
        {
            var estimates = model.forward(mixture);
            var louder = model.forward(mixture * 1000);

            // The network only sees the variance-normalised mixture, so scaling the input scales the output.
            Assert.True((louder / 1000).allclose(estimates, rtol: 1e-4, atol: 1e-5));
        }
    }

    [Fact]
    public void A_mixture_with_the_wrong_number_of_microphones_is_refused()
    {
        using var scope = NewDisposeScope();
        using var model = new TFGridNetV2(new TFGridNetV2Config { n_fft = 32, stride = 16, n_layers = 1, lstm_hidden_units = 8, emb_dim = 8 });

        Assert.Throws<ArgumentException>(() => model.forward(zeros(1, 100, 2)));
    }
}
