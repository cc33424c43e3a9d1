namespace Cluster.Torch.Modules;

/// <summary>
/// The chaining methods of torch.nn.Module. They are extensions so that each returns the module's
/// own type: <c>var model = new Encoder(...).to(device).eval();</c> is still an Encoder.
/// </summary>
public static class ModuleExtensions
{
    /// <summary>Sets training mode on the module and every descendant.</summary>
    public static T train<T>(this T module, bool mode = true) where T : Module
    {
        module.SetTraining(mode);
        return module;
    }

    /// <summary>Evaluation mode: dropout becomes the identity.</summary>
    public static T eval<T>(this T module) where T : Module => module.train(false);

    /// <summary>
    /// Moves every parameter and buffer to <paramref name="device"/>. Tensors that change are
    /// replaced by new <see cref="Parameter"/> objects (registered fields are updated) and the old
    /// ones disposed, so build optimizers after moving the model.
    /// </summary>
    public static T to<T>(this T module, Device device) where T : Module
    {
        module.ConvertTensors(t => t.to(device));
        return module;
    }

    /// <summary>
    /// Converts floating-point and complex parameters and buffers to <paramref name="dtype"/>;
    /// integer and boolean buffers (indices, masks) keep theirs, as in PyTorch. Replaces tensors
    /// like <see cref="to{T}(T, Device)"/>.
    /// </summary>
    public static T to<T>(this T module, DType dtype) where T : Module
    {
        if (!dtype.IsFloatingPoint() && !dtype.IsComplex())
            throw new ArgumentException($"Module.to only accepts floating point or complex dtypes, got {dtype}", nameof(dtype));
        module.ConvertTensors(t => t.dtype.IsFloatingPoint() || t.dtype.IsComplex() ? t.to(dtype) : t.alias());
        return module;
    }

    /// <summary>Calls <paramref name="fn"/> on every submodule (children first) and then on the module itself.</summary>
    public static T apply<T>(this T module, Action<Module> fn) where T : Module
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var child in module.children()) child.apply(fn);
        fn(module);
        return module;
    }
}
