namespace Cluster.Torch.Modules;

/// <summary>Argument checks the convolution layers share, made at construction as PyTorch makes them.</summary>
internal static class ConvChecks
{
    public static void Groups(long inChannels, long outChannels, long groups)
    {
        if (groups <= 0) throw new ArgumentOutOfRangeException(nameof(groups), groups, "groups must be a positive integer");
        if (inChannels % groups != 0) throw new ArgumentException($"in_channels ({inChannels}) must be divisible by groups ({groups})", nameof(inChannels));
        if (outChannels % groups != 0) throw new ArgumentException($"out_channels ({outChannels}) must be divisible by groups ({groups})", nameof(outChannels));
    }
}
