using System.Collections;
using System.Globalization;

namespace Cluster.Torch.Modules;

/// <summary>
/// An indexable list of submodules named "0", "1", ... (torch.nn.ModuleList), typed so that
/// <c>layers[i].forward(x)</c> needs no cast. It has no forward of its own.
/// </summary>
public class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> items = [];

    public ModuleList(params T[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var module in modules) Add(module);
    }

    public int Count => items.Count;

    public T this[int index] => items[index];

    /// <summary>Appends a module under the next index (PyTorch's <c>append</c>).</summary>
    public void Add(T module)
    {
        register_module(items.Count.ToString(CultureInfo.InvariantCulture), module);
        items.Add(module);
    }

    public IEnumerator<T> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
