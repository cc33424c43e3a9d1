namespace Cluster.Torch.Modules;

/// <summary>Zeroes elements with probability p and scales the rest by 1/(1-p) while training; the identity in eval mode.</summary>
public class Dropout : Module<Tensor, Tensor>
{
    public Dropout(double p = 0.5)
    {
        if (p is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability has to be between 0 and 1");
        this.p = p;
    }

    public double p { get; }

    public override Tensor forward(Tensor input) => torch.nn.functional.dropout(input, p, training);
}
