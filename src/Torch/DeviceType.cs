namespace Cluster.Torch;

/// <summary>c10::DeviceType codes for the devices this project uses.</summary>
public enum DeviceType
{
    CPU = 0,
    CUDA = 1,
}
