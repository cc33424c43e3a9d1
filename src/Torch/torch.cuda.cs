using Cluster.Torch.Interop;

namespace Cluster.Torch;

public static partial class torch
{
    /// <summary>CUDA queries; everything here answers "none" on a CPU-only libtorch.</summary>
    public static class cuda
    {
        public static int device_count() => NativeCheck.Status(Native.ts_cuda_device_count());
        public static bool is_available() => device_count() > 0;
        public static void synchronize(int device = 0) => NativeCheck.Status(Native.ts_cuda_synchronize(device));
    }
}
