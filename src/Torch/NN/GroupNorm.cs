namespace Cluster.Torch.Modules;

/// <summary>Normalises each of <c>num_groups</c> channel groups of [N, C, ...] (torch.nn.GroupNorm).</summary>
public class GroupNorm : Module<Tensor, Tensor>
{
    public GroupNorm(long num_groups, long num_channels, double eps = 1e-5, bool affine = true)
    {
        if (num_groups <= 0 || num_channels % num_groups != 0)
            throw new ArgumentException($"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})", nameof(num_groups));
        this.num_groups = num_groups;
        this.num_channels = num_channels;
        this.eps = eps;
        this.affine = affine;
        if (affine)
        {
            weight = Init.Full([num_channels], 1);
            bias = Init.Full([num_channels], 0);
        }
        RegisterComponents();
    }

    public long num_groups { get; }
    public long num_channels { get; }
    public double eps { get; }
    public bool affine { get; }

    /// <summary>[num_channels], or null without affine.</summary>
    public Parameter? weight { get; private set; }

    public Parameter? bias { get; private set; }

    public override Tensor forward(Tensor input) => torch.nn.functional.group_norm(input, num_groups, weight, bias, eps);
}
