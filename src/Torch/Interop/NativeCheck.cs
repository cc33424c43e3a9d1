using System.Runtime.InteropServices;

namespace Cluster.Torch.Interop;

/// <summary>
/// Turns the shim's failure convention (NULL handle or -1, message in a thread-local slot) into a
/// <see cref="TorchException"/>. Called right after each native call, on the same thread.
/// </summary>
internal static unsafe class NativeCheck
{
    public static IntPtr Handle(IntPtr handle)
    {
        if (handle == IntPtr.Zero) throw LastError();
        return handle;
    }

    /// <summary>For calls where NULL with no error means "no value" (an undefined gradient).</summary>
    public static IntPtr OptionalHandle(IntPtr handle)
    {
        if (handle == IntPtr.Zero && Native.ts_last_error_kind() != 0) throw LastError();
        return handle;
    }

    public static int Status(int status)
    {
        if (status < 0) throw LastError();
        return status;
    }

    public static long Status(long status)
    {
        if (status < 0) throw LastError();
        return status;
    }

    public static TorchException LastError()
    {
        var kind = Native.ts_last_error_kind();
        var message = Marshal.PtrToStringUTF8((IntPtr)Native.ts_last_error_message()) ?? "";
        if (kind == 0) return new TorchException(TorchErrorKind.Unknown, "native call failed without a message");
        return new TorchException((TorchErrorKind)kind, message);
    }
}
