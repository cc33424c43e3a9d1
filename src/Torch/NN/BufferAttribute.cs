namespace Cluster.Torch.Modules;

/// <summary>
/// Marks a tensor field as a buffer for <see cref="Module.RegisterComponents"/>: module state that
/// is not trained. Non-persistent buffers are left out of the state dict (PyTorch's
/// <c>persistent=False</c>). On an auto-property write <c>[field: Buffer]</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Field)]
public sealed class BufferAttribute(bool persistent = true) : Attribute
{
    public bool Persistent { get; } = persistent;
}
