namespace Cluster.Torch.Modules;

/// <summary>Gaussian error linear unit (torch.nn.GELU); <c>approximate</c> is "none" (erf) or "tanh".</summary>
public class GELU : Module<Tensor, Tensor>
{
    public GELU(string approximate = "none")
    {
        if (approximate is not ("none" or "tanh"))
            throw new ArgumentException($"approximate must be 'none' or 'tanh', got '{approximate}'", nameof(approximate));
        this.approximate = approximate;
    }

    public string approximate { get; }

    public override Tensor forward(Tensor input) => torch.nn.functional.gelu(input, approximate);
}
