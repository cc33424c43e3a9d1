namespace Cluster.Torch.Modules;

/// <summary>max(0, x) (torch.nn.ReLU).</summary>
public class ReLU : Module<Tensor, Tensor>
{
    public override Tensor forward(Tensor input) => input.relu();
}
