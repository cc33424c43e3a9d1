namespace Cluster.Torch.Modules;

/// <summary>ReLU with a learned negative slope, one shared or one per channel (torch.nn.PReLU).</summary>
public class PReLU : Module<Tensor, Tensor>
{
    public PReLU(long num_parameters = 1, double init = 0.25)
    {
        this.num_parameters = num_parameters;
        weight = Init.Full([num_parameters], init);
        RegisterComponents();
    }

    public long num_parameters { get; }

    /// <summary>[num_parameters]</summary>
    public Parameter weight { get; private set; }

    /// <summary>[N, C, ...]; with num_parameters = C each channel has its own slope.</summary>
    public override Tensor forward(Tensor input) => torch.nn.functional.prelu(input, weight);
}
