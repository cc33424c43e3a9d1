namespace Cluster.Torch.Modules;

/// <summary>2-D convolution over [N, C_in, H, W] (torch.nn.Conv2d, zero padding).</summary>
public class Conv2d : Module<Tensor, Tensor>
{
    public Conv2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long)? stride = null, (long, long)? padding = null,
        (long, long)? dilation = null, long groups = 1, bool bias = true)
    {
        ConvChecks.Groups(in_channels, out_channels, groups);
        this.in_channels = in_channels;
        this.out_channels = out_channels;
        this.kernel_size = kernel_size;
        this.stride = stride ?? (1, 1);
        this.padding = padding ?? (0, 0);
        this.dilation = dilation ?? (1, 1);
        this.groups = groups;
        (weight, this.bias) = Init.WeightAndBias([out_channels, in_channels / groups, kernel_size.Item1, kernel_size.Item2], out_channels, bias);
        RegisterComponents();
    }

    /// <summary>Square kernel, equal strides, padding and dilation in both dimensions.</summary>
    public Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true)
        : this(in_channels, out_channels, (kernel_size, kernel_size), (stride, stride), (padding, padding), (dilation, dilation), groups, bias)
    {
    }

    public long in_channels { get; }
    public long out_channels { get; }
    public (long, long) kernel_size { get; }
    public (long, long) stride { get; }
    public (long, long) padding { get; }
    public (long, long) dilation { get; }
    public long groups { get; }

    /// <summary>[out_channels, in_channels / groups, kH, kW]</summary>
    public Parameter weight { get; private set; }

    public Parameter? bias { get; private set; }

    public override Tensor forward(Tensor input) =>
        torch.nn.functional.conv2d(input, weight, bias, stride, padding, dilation, groups);
}
