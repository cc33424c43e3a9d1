namespace Cluster.Torch.Modules;

/// <summary>y = x Wᵀ + b over the last dimension (torch.nn.Linear).</summary>
public class Linear : Module<Tensor, Tensor>
{
    public Linear(long in_features, long out_features, bool bias = true)
    {
        this.in_features = in_features;
        this.out_features = out_features;
        (weight, this.bias) = Init.WeightAndBias([out_features, in_features], out_features, bias);
        RegisterComponents();
    }

    public long in_features { get; }
    public long out_features { get; }

    /// <summary>[out_features, in_features]</summary>
    public Parameter weight { get; private set; }

    /// <summary>[out_features], or null without bias.</summary>
    public Parameter? bias { get; private set; }

    public override Tensor forward(Tensor input) => torch.nn.functional.linear(input, weight, bias);
}
