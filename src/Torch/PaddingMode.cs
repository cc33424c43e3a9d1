namespace Cluster.Torch;

/// <summary>How <c>pad</c> and <c>stft</c> fill the border (torch.nn.functional.pad's modes).</summary>
public enum PaddingMode
{
    Constant = 0,
    Reflect = 1,
    Replicate = 2,
    Circular = 3,
}
