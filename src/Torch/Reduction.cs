namespace Cluster.Torch;

/// <summary>How a loss reduces over elements (PyTorch's <c>reduction=</c>).</summary>
public enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
}
