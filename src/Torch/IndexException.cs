namespace Cluster.Torch;

/// <summary>An index expression that does not fit the tensor (too many indices, two ellipses).</summary>
public sealed class IndexException(string message) : TorchException(TorchErrorKind.Index, message);
