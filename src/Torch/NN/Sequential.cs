using System.Collections;
using System.Globalization;

namespace Cluster.Torch.Modules;

/// <summary>Chains tensor-to-tensor modules; children are named "0", "1", ... as in torch.nn.Sequential.</summary>
public class Sequential : Module<Tensor, Tensor>, IReadOnlyList<Module<Tensor, Tensor>>
{
    private readonly List<Module<Tensor, Tensor>> layers = [];

    public Sequential(params Module<Tensor, Tensor>[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules) Add(module);
    }

    public int Count => layers.Count;

    public Module<Tensor, Tensor> this[int index] => layers[index];

    /// <summary>Appends a module under the next index (PyTorch's <c>append</c>).</summary>
    public void Add(Module<Tensor, Tensor> module)
    {
        register_module(layers.Count.ToString(CultureInfo.InvariantCulture), module);
        layers.Add(module);
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var layer in layers) x = layer.forward(x);
        return x;
    }

    public IEnumerator<Module<Tensor, Tensor>> GetEnumerator() => layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
