namespace Cluster.Torch.Modules;

/// <summary>1-D transposed convolution over [N, C_in, L] (torch.nn.ConvTranspose1d).</summary>
public class ConvTranspose1d : Module<Tensor, Tensor>
{
    public ConvTranspose1d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
        long output_padding = 0, long groups = 1, bool bias = true, long dilation = 1)
    {
        ConvChecks.Groups(in_channels, out_channels, groups);
        this.in_channels = in_channels;
        this.out_channels = out_channels;
        this.kernel_size = kernel_size;
        this.stride = stride;
        this.padding = padding;
        this.output_padding = output_padding;
        this.groups = groups;
        this.dilation = dilation;
        // Transposed weights are stored [in, out / groups, k]; PyTorch's fan-in is taken from that layout too.
        (weight, this.bias) = Init.WeightAndBias([in_channels, out_channels / groups, kernel_size], out_channels, bias);
        RegisterComponents();
    }

    public long in_channels { get; }
    public long out_channels { get; }
    public long kernel_size { get; }
    public long stride { get; }
    public long padding { get; }
    public long output_padding { get; }
    public long groups { get; }
    public long dilation { get; }

    /// <summary>[in_channels, out_channels / groups, kernel_size]</summary>
    public Parameter weight { get; private set; }

    public Parameter? bias { get; private set; }

    public override Tensor forward(Tensor input) =>
        torch.nn.functional.conv_transpose1d(input, weight, bias, stride, padding, output_padding, groups, dilation);
}
