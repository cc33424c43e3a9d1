using Cluster.Torch.Modules;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

/// <summary>Layers and functionals against PyTorch 1.13 references (Fixtures/generate_parity.py).</summary>
public class ModuleParityTests
{
    private static Dictionary<string, Tensor> Fixture(string file) =>
        load_safetensors(Path.Combine(AppContext.BaseDirectory, "Fixtures", "parity", file));

    // A different kernel or summation order may change the last bits, so compare with tolerances.
    private static void AssertClose(Tensor expected, Tensor actual, string what, double atol = 1e-5, double rtol = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        if (actual.allclose(expected, rtol, atol)) return;
        var difference = (actual - expected).abs().max().item<double>();
        Assert.Fail($"{what}: largest difference {difference} exceeds atol {atol} + rtol {rtol}");
    }

    private static Dictionary<string, Tensor> Parameters(Dictionary<string, Tensor> fixture, string name)
    {
        var prefix = $"{name}.param.";
        return fixture.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(e => e.Key[prefix.Length..], e => e.Value);
    }

    private static Module<Tensor, Tensor> Build(string name) => name switch
    {
        "linear" => nn.Linear(5, 3),
        "conv1d" => nn.Conv1d(3, 4, kernel_size: 3, stride: 2, padding: 1),
        "conv2d" => nn.Conv2d(2, 3, kernel_size: 3, stride: 1, padding: 1),
        "conv_transpose1d" => nn.ConvTranspose1d(4, 2, kernel_size: 4, stride: 2, padding: 1),
        "conv_transpose2d" => nn.ConvTranspose2d(3, 2, kernel_size: (3, 3), stride: (1, 2), padding: (1, 1), output_padding: (0, 1)),
        "embedding" => nn.Embedding(10, 4, padding_idx: 0),
        "layer_norm" => nn.LayerNorm(6),
        "group_norm" => nn.GroupNorm(2, 4),
        "prelu" => nn.PReLU(3),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "no such case"),
    };

    public static TheoryData<string> ModuleCases() =>
        ["linear", "conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "embedding", "layer_norm", "group_norm", "prelu"];

    [Theory]
    [MemberData(nameof(ModuleCases))]
    public void Module_output_and_gradients_match_pytorch(string name)
    {
        using var scope = NewDisposeScope();
        var f = Fixture("modules.safetensors");
        using var module = Build(name);
        module.load_state_dict(Parameters(f, name));

        var input = f[$"{name}.input"];
        var inputHasGrad = f.ContainsKey($"{name}.grad.input");
        if (inputHasGrad) input.requires_grad = true;
        var output = module.forward(input);
        AssertClose(f[$"{name}.output"], output, $"{name}.output");

        output.sum().backward();
        if (inputHasGrad) AssertClose(f[$"{name}.grad.input"], input.grad!, $"{name}.grad.input");
        var checkedGrads = new List<string>();
        foreach (var (parameterName, parameter) in module.named_parameters())
        {
            AssertClose(f[$"{name}.grad.{parameterName}"], parameter.grad!, $"{name}.grad.{parameterName}");
            checkedGrads.Add($"{name}.grad.{parameterName}");
        }
        var expectedGrads = f.Keys.Where(k => k.StartsWith($"{name}.grad.", StringComparison.Ordinal) && k != $"{name}.grad.input");
        Assert.Equal(expectedGrads, checkedGrads);
    }

    [Fact]
    public void Bidirectional_two_layer_batch_first_lstm_matches_pytorch()
    {
        using var scope = NewDisposeScope();
        var f = Fixture("modules.safetensors");
        using var lstm = nn.LSTM(4, 5, num_layers: 2, batch_first: true, bidirectional: true);
        var state = Parameters(f, "lstm");
        // Same names in the same order as PyTorch, so checkpoints map one to one.
        Assert.Equal(state.Keys, lstm.named_parameters().Select(p => p.name));
        lstm.load_state_dict(state);

        var input = f["lstm.input"].requires_grad_();
        var (output, (hN, cN)) = lstm.forward(input);
        AssertClose(f["lstm.output"], output, "lstm.output");
        AssertClose(f["lstm.h_n"], hN, "lstm.h_n");
        AssertClose(f["lstm.c_n"], cN, "lstm.c_n");

        (output.sum() + hN.sum() + cN.sum()).backward();
        AssertClose(f["lstm.grad.input"], input.grad!, "lstm.grad.input");
        foreach (var (name, parameter) in lstm.named_parameters())
            AssertClose(f[$"lstm.grad.{name}"], parameter.grad!, $"lstm.grad.{name}");
    }

    [Fact]
    public void Sequence_first_lstm_with_initial_state_matches_pytorch()
    {
        using var scope = NewDisposeScope();
        var f = Fixture("modules.safetensors");
        using var lstm = nn.LSTM(3, 4);
        lstm.load_state_dict(Parameters(f, "lstm_seq_first"));

        var input = f["lstm_seq_first.input"].requires_grad_();
        var h0 = f["lstm_seq_first.h0"].requires_grad_();
        var c0 = f["lstm_seq_first.c0"].requires_grad_();
        var (output, (hN, cN)) = lstm.forward(input, (h0, c0));
        AssertClose(f["lstm_seq_first.output"], output, "output");
        AssertClose(f["lstm_seq_first.h_n"], hN, "h_n");
        AssertClose(f["lstm_seq_first.c_n"], cN, "c_n");

        (output.sum() + hN.sum() + cN.sum()).backward();
        AssertClose(f["lstm_seq_first.grad.input"], input.grad!, "grad.input");
        AssertClose(f["lstm_seq_first.grad.h0"], h0.grad!, "grad.h0");
        AssertClose(f["lstm_seq_first.grad.c0"], c0.grad!, "grad.c0");
        foreach (var (name, parameter) in lstm.named_parameters())
            AssertClose(f[$"lstm_seq_first.grad.{name}"], parameter.grad!, $"grad.{name}");
    }

    [Fact]
    public void Seeded_default_initialisation_draws_the_same_values_as_pytorch()
    {
        using var scope = NewDisposeScope();
        var f = Fixture("modules.safetensors");
        var cases = new (string name, Func<Module> build)[]
        {
            ("linear", () => Build("linear")),
            ("conv1d", () => Build("conv1d")),
            ("conv2d", () => Build("conv2d")),
            ("conv_transpose1d", () => Build("conv_transpose1d")),
            ("conv_transpose2d", () => Build("conv_transpose2d")),
            ("embedding", () => Build("embedding")),
            ("lstm", () => nn.LSTM(4, 5, num_layers: 2, batch_first: true, bidirectional: true)),
            ("lstm_seq_first", () => nn.LSTM(3, 4)),
        };
        foreach (var (name, build) in cases)
        {
            manual_seed(1234);
            using var module = build();
            foreach (var (parameterName, parameter) in module.named_parameters())
                Assert.True(f[$"{name}.param.{parameterName}"].ToArray<float>().AsSpan().SequenceEqual(parameter.ToArray<float>()),
                    $"{name}.{parameterName} differs from PyTorch's initialisation");
        }
    }

    [Fact]
    public void Activations_and_softmax_match_pytorch()
    {
        using var scope = NewDisposeScope();
        var f = Fixture("modules.safetensors");
        AssertClose(f["gelu.output"], nn.functional.gelu(f["gelu.input"]), "gelu");
        AssertClose(f["gelu.output_tanh"], nn.functional.gelu(f["gelu.input"], approximate: "tanh"), "gelu tanh");
        AssertClose(f["gelu.output"], nn.GELU().forward(f["gelu.input"]), "GELU module");
        AssertClose(f["softmax.output"], nn.functional.softmax(f["softmax.input"], dim: -1), "softmax");
        AssertClose(f["softmax.log_output"], nn.functional.log_softmax(f["softmax.input"], dim: 1), "log_softmax");
    }

    [Fact]
    public void Losses_match_pytorch()
    {
        using var scope = NewDisposeScope();
        var f = Fixture("modules.safetensors");
        AssertClose(f["cross_entropy.output"], nn.functional.cross_entropy(f["cross_entropy.input"], f["cross_entropy.target"]), "cross_entropy");
        AssertClose(f["cross_entropy.output_smoothed"],
            nn.functional.cross_entropy(f["cross_entropy.input"], f["cross_entropy.target"], label_smoothing: 0.1), "cross_entropy smoothed");
        AssertClose(f["cross_entropy3d.output"],
            nn.functional.cross_entropy(f["cross_entropy3d.input"], f["cross_entropy3d.target"], label_smoothing: 0.1), "cross_entropy 3-D");
        AssertClose(f["mse.output"], nn.functional.mse_loss(f["mse.input"], f["mse.target"]), "mse");
    }

    [Fact]
    public void Unfold_matches_pytorch()
    {
        using var scope = NewDisposeScope();
        var f = Fixture("modules.safetensors");
        var output = nn.functional.unfold(f["unfold.input"], kernel_size: (3, 2), stride: (1, 2), padding: (1, 0));
        AssertClose(f["unfold.output"], output, "unfold");
    }

    [Fact]
    public void Stft_and_istft_match_pytorch_in_float64()
    {
        using var scope = NewDisposeScope();
        var f = Fixture("stft.safetensors");
        var spectrum = stft(f["signal"], n_fft: 64, hop_length: 16, win_length: 64, window: f["window"], center: true,
            pad_mode: PaddingMode.Reflect, onesided: true, return_complex: true);
        AssertClose(f["stft"], view_as_real(spectrum), "stft", atol: 1e-9, rtol: 0);

        var reconstructed = istft(spectrum, n_fft: 64, hop_length: 16, win_length: 64, window: f["window"], center: true, length: 1000);
        AssertClose(f["istft"], reconstructed, "istft", atol: 1e-9, rtol: 0);
        AssertClose(f["signal"], reconstructed, "round trip", atol: 1e-9, rtol: 0);
    }

    [Fact]
    public void Whisper_shaped_float32_stft_matches_pytorch()
    {
        using var scope = NewDisposeScope();
        var f = Fixture("stft.safetensors");
        var spectrum = stft(f["whisper.signal"], n_fft: 400, hop_length: 160, window: f["whisper.window"], center: true,
            pad_mode: PaddingMode.Reflect, return_complex: true);
        AssertClose(f["whisper.stft"], view_as_real(spectrum), "whisper stft", atol: 1e-4, rtol: 0);
    }
}
