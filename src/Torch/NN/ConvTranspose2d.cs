namespace Cluster.Torch.Modules;

/// <summary>2-D transposed convolution over [N, C_in, H, W] (torch.nn.ConvTranspose2d).</summary>
public class ConvTranspose2d : Module<Tensor, Tensor>
{
    public ConvTranspose2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long)? stride = null,
        (long, long)? padding = null, (long, long)? output_padding = null, long groups = 1, bool bias = true, (long, long)? dilation = null)
    {
        ConvChecks.Groups(in_channels, out_channels, groups);
        this.in_channels = in_channels;
        this.out_channels = out_channels;
        this.kernel_size = kernel_size;
        this.stride = stride ?? (1, 1);
        this.padding = padding ?? (0, 0);
        this.output_padding = output_padding ?? (0, 0);
        this.groups = groups;
        this.dilation = dilation ?? (1, 1);
        // Transposed weights are stored [in, out / groups, kH, kW]; PyTorch's fan-in is taken from that layout too.
        (weight, this.bias) = Init.WeightAndBias([in_channels, out_channels / groups, kernel_size.Item1, kernel_size.Item2], out_channels, bias);
        RegisterComponents();
    }

    /// <summary>Square kernel, the same stride, padding, output padding and dilation in both dimensions.</summary>
    public ConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
        long output_padding = 0, long groups = 1, bool bias = true, long dilation = 1)
        : this(in_channels, out_channels, (kernel_size, kernel_size), (stride, stride), (padding, padding),
            (output_padding, output_padding), groups, bias, (dilation, dilation))
    {
    }

    public long in_channels { get; }
    public long out_channels { get; }
    public (long, long) kernel_size { get; }
    public (long, long) stride { get; }
    public (long, long) padding { get; }
    public (long, long) output_padding { get; }
    public long groups { get; }
    public (long, long) dilation { get; }

    /// <summary>[in_channels, out_channels / groups, kH, kW]</summary>
    public Parameter weight { get; private set; }

    public Parameter? bias { get; private set; }

    public override Tensor forward(Tensor input) =>
        torch.nn.functional.conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation);
}
