namespace Cluster.Torch;

/// <summary>
/// A failure inside libtorch, raised on the calling thread with libtorch's own message (shape and
/// dtype mismatches, bad indices, out of memory). The process and every other tensor stay usable.
/// </summary>
public class TorchException : Exception
{
    public TorchException(TorchErrorKind kind, string message) : base(message) => Kind = kind;

    public TorchErrorKind Kind { get; }
}
