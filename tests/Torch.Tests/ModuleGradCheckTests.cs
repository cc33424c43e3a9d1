using Cluster.Torch.Modules;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

/// <summary>
/// Gradient checks through the module classes themselves (not only their functional forms): the
/// module is moved to float64 and its input and every parameter are checked against central finite
/// differences, so a parameter the module forgets to pass, or passes in the wrong place, shows up.
/// </summary>
public sealed class ModuleGradCheckTests
{
    public static TheoryData<string> Modules => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Modules))]
    public void Module_gradients_match_finite_differences(string name)
    {
        manual_seed(20241121);
        var (module, input, forward) = Cases[name]();
        using (module)
        using (input)
        {
            module.to(DType.Float64);
            var parameters = module.parameters().ToArray();
            Assert.NotEmpty(parameters);
            var inputs = input.dtype == DType.Float64 ? new[] { input }.Concat(parameters).ToArray() : parameters;
            GradCheck.Check(name, x => forward(module, input), inputs);
        }
    }

    [Fact]
    public void Embedding_padding_row_receives_no_gradient()
    {
        using var scope = NewDisposeScope();
        using var embedding = nn.Embedding(6, 3, padding_idx: 0);
        embedding.forward(tensor(new long[] { 1, 0, 0, 2 })).sum().backward();
        var gradient = embedding.weight.grad!;
        Assert.Equal(new float[] { 0, 0, 0 }, gradient[0].ToArray<float>());
        Assert.Equal(new float[] { 1, 1, 1 }, gradient[1].ToArray<float>());
    }

    private static Tensor Leaf(params long[] shape) => randn(shape, DType.Float64).requires_grad_();

    private static readonly Dictionary<string, Func<(Module, Tensor, Func<Module, Tensor, Tensor>)>> Cases = new()
    {
        ["Linear"] = () => (nn.Linear(4, 3), Leaf(2, 4), Forward),
        ["Conv1d"] = () => (nn.Conv1d(2, 3, 3, stride: 2, padding: 1), Leaf(2, 2, 7), Forward),
        ["Conv2d"] = () => (nn.Conv2d(2, 2, 3, stride: 1, padding: 1), Leaf(1, 2, 4, 3), Forward),
        ["ConvTranspose1d"] = () => (nn.ConvTranspose1d(2, 2, 4, stride: 2, padding: 1), Leaf(1, 2, 4), Forward),
        ["ConvTranspose2d"] = () => (nn.ConvTranspose2d(2, 1, 3, stride: 2, padding: 1), Leaf(1, 2, 3, 3), Forward),
        // Without padding_idx: PyTorch deliberately gives the padding row no gradient (tested below).
        ["Embedding"] = () => (nn.Embedding(6, 3), tensor(new long[] { 1, 0, 5, 2 }, 2, 2), Forward),
        ["LayerNorm"] = () => (nn.LayerNorm(4), Leaf(3, 4), Forward),
        ["GroupNorm"] = () => (nn.GroupNorm(2, 4), Leaf(2, 4, 3), Forward),
        ["PReLU"] = () => (nn.PReLU(3), Leaf(2, 3, 2), Forward),
        ["Sequential"] = () => (nn.Sequential(nn.Linear(3, 4), nn.GELU(), nn.Linear(4, 2)), Leaf(2, 3), Forward),
        ["LSTM"] = () => (nn.LSTM(3, 2, num_layers: 2, batch_first: true, bidirectional: true), Leaf(2, 3, 3), (m, x) =>
        {
            var (output, (h, c)) = ((LSTM)m).forward(x);
            return cat([output.flatten(), h.flatten(), c.flatten()]);
        }
        ),
    };

    private static Tensor Forward(Module module, Tensor input) => ((Module<Tensor, Tensor>)module).forward(input);
}
