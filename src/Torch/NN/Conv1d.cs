namespace Cluster.Torch.Modules;

/// <summary>1-D convolution over [N, C_in, L] (torch.nn.Conv1d, zero padding).</summary>
public class Conv1d : Module<Tensor, Tensor>
{
    public Conv1d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true)
    {
        ConvChecks.Groups(in_channels, out_channels, groups);
        this.in_channels = in_channels;
        this.out_channels = out_channels;
        this.kernel_size = kernel_size;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.groups = groups;
        (weight, this.bias) = Init.WeightAndBias([out_channels, in_channels / groups, kernel_size], out_channels, bias);
        RegisterComponents();
    }

    public long in_channels { get; }
    public long out_channels { get; }
    public long kernel_size { get; }
    public long stride { get; }
    public long padding { get; }
    public long dilation { get; }
    public long groups { get; }

    /// <summary>[out_channels, in_channels / groups, kernel_size]</summary>
    public Parameter weight { get; private set; }

    public Parameter? bias { get; private set; }

    public override Tensor forward(Tensor input) =>
        torch.nn.functional.conv1d(input, weight, bias, stride, padding, dilation, groups);
}
