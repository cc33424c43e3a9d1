using Cluster.Torch.Interop;

namespace Cluster.Torch;

/// <summary>
/// A trainable tensor owned by a module (torch.nn.Parameter): a leaf that requires grad by default
/// and never belongs to a dispose scope, because it lives as long as its module.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps the data of <paramref name="data"/> (shared storage, cut from any graph).</summary>
    public Parameter(Tensor data, bool requires_grad = true) : base(Detached(data))
    {
        DetachFromDisposeScope();
        if (requires_grad) this.requires_grad = true;
    }

    private static IntPtr Detached(Tensor data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var result = NativeCheck.Handle(Native.ts_detach(data.Handle));
        GC.KeepAlive(data);
        return result;
    }
}
