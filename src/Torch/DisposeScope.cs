namespace Cluster.Torch;

/// <summary>
/// Collects every tensor created on this thread while it is the innermost scope and disposes them
/// together, so a training step frees its temporaries deterministically instead of waiting for the
/// GC (TorchSharp's NewDisposeScope idea). Move results out with <see cref="MoveToOuter"/> or
/// <see cref="Tensor.MoveToOuterDisposeScope"/>; detach them entirely with <see cref="Detach"/>.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static DisposeScope? current;

    private readonly DisposeScope? outer;
    private readonly HashSet<Tensor> tensors = new(ReferenceEqualityComparer.Instance);
    private bool disposed;

    internal DisposeScope()
    {
        outer = current;
        current = this;
    }

    internal static DisposeScope? Current => current;

    /// <summary>Number of live tensors the scope will dispose.</summary>
    public int Count => tensors.Count;

    internal static void Register(Tensor tensor)
    {
        var scope = current;
        if (scope is null) return;
        scope.tensors.Add(tensor);
        tensor.OwnerScope = scope;
    }

    internal void Forget(Tensor tensor) => tensors.Remove(tensor);

    /// <summary>Hands the tensor to the enclosing scope (or to nobody, when this is the outermost).</summary>
    public T MoveToOuter<T>(T tensor) where T : Tensor
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensors.Remove(tensor)) return tensor;
        tensor.OwnerScope = outer;
        outer?.tensors.Add(tensor);
        return tensor;
    }

    /// <summary>Takes the tensor out of every scope; the caller disposes it.</summary>
    public T Detach<T>(T tensor) where T : Tensor
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.OwnerScope?.Forget(tensor);
        tensor.OwnerScope = null;
        return tensor;
    }

    public void Dispose()
    {
        if (disposed) return;
        if (!ReferenceEquals(current, this))
            throw new InvalidOperationException("dispose scopes must be disposed innermost first, on the thread that made them");
        disposed = true;
        current = outer;
        foreach (var tensor in tensors)
        {
            tensor.OwnerScope = null;
            tensor.Dispose();
        }
        tensors.Clear();
    }
}
