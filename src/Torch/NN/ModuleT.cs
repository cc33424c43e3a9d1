namespace Cluster.Torch.Modules;

/// <summary>A module with a typed forward pass; <typeparamref name="TIn"/> may be a tuple for several inputs.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut forward(TIn input);

    /// <summary>Python's <c>module(x)</c>.</summary>
    public TOut call(TIn input) => forward(input);
}
