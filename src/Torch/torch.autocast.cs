using Cluster.Torch.Interop;

namespace Cluster.Torch;

public static partial class torch
{
    /// <summary>
    /// PyTorch's <c>torch.autocast(device_type, dtype, enabled)</c>: until disposed, eligible operations on
    /// <paramref name="device_type"/> tensors (matmul, linear, convolutions, ...) run in <paramref name="dtype"/> and
    /// precision-sensitive ones in float32, on this thread: <c>using (torch.autocast(DeviceType.CPU, torch.bfloat16)) { ... }</c>.
    /// <paramref name="dtype"/> defaults to the device's current autocast dtype (bfloat16 on CPU, float16 on CUDA unless
    /// changed); CPU supports bfloat16, CUDA float16 and bfloat16. <paramref name="enabled"/> false opens a region with
    /// autocast off (and <paramref name="dtype"/> ignored). Regions nest; disposing one restores the state before it.
    /// </summary>
    /// <exception cref="TorchException">(kind <see cref="TorchErrorKind.Value"/>) The dtype is not supported on the device,
    /// or CUDA autocast was requested where CUDA is not available: PyTorch only warns and disables autocast there, which
    /// would silently train in float32.</exception>
    public static unsafe IDisposable autocast(DeviceType device_type, DType? dtype = null, bool enabled = true)
    {
        var type = dtype ?? get_autocast_dtype(device_type);
        int previousEnabled, previousDtype;
        NativeCheck.Status(Native.ts_autocast_enter((int)device_type, (int)type, enabled ? 1 : 0, &previousEnabled, &previousDtype));
        return new AutocastMode(device_type, previousEnabled, previousDtype);
    }

    /// <summary>Whether autocast is on for <paramref name="device_type"/> on this thread.</summary>
    public static unsafe bool is_autocast_enabled(DeviceType device_type)
    {
        int enabled, dtype;
        NativeCheck.Status(Native.ts_autocast_state((int)device_type, &enabled, &dtype));
        return enabled != 0;
    }

    /// <summary>The lower-precision dtype autocast uses for <paramref name="device_type"/> on this thread.</summary>
    public static unsafe DType get_autocast_dtype(DeviceType device_type)
    {
        int enabled, dtype;
        NativeCheck.Status(Native.ts_autocast_state((int)device_type, &enabled, &dtype));
        return (DType)dtype;
    }

    private sealed class AutocastMode(DeviceType device, int previousEnabled, int previousDtype) : IDisposable
    {
        private bool restored;

        public void Dispose()
        {
            if (restored) return;
            restored = true;
            NativeCheck.Status(Native.ts_autocast_exit((int)device, previousEnabled, previousDtype));
        }
    }
}
