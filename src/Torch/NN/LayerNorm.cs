namespace Cluster.Torch.Modules;

/// <summary>Normalises over the trailing <c>normalized_shape</c> dimensions (torch.nn.LayerNorm).</summary>
public class LayerNorm : Module<Tensor, Tensor>
{
    private readonly long[] normalizedShape;

    public LayerNorm(long[] normalized_shape, double eps = 1e-5, bool elementwise_affine = true)
    {
        ArgumentNullException.ThrowIfNull(normalized_shape);
        normalizedShape = (long[])normalized_shape.Clone();
        this.eps = eps;
        this.elementwise_affine = elementwise_affine;
        if (elementwise_affine)
        {
            weight = Init.Full(normalizedShape, 1);
            bias = Init.Full(normalizedShape, 0);
        }
        RegisterComponents();
    }

    public LayerNorm(long normalized_shape, double eps = 1e-5, bool elementwise_affine = true)
        : this([normalized_shape], eps, elementwise_affine)
    {
    }

    public IReadOnlyList<long> normalized_shape => Array.AsReadOnly(normalizedShape);
    public double eps { get; }
    public bool elementwise_affine { get; }

    /// <summary>normalized_shape, or null without elementwise affine.</summary>
    public Parameter? weight { get; private set; }

    public Parameter? bias { get; private set; }

    public override Tensor forward(Tensor input) =>
        torch.nn.functional.layer_norm(input, normalizedShape, weight, bias, eps);
}
