namespace Cluster.Bench.CpuKernels;

using System.Runtime.InteropServices;
using System.Text;

/// <summary>
/// The JSON lines the parent process reads. Standard output is reserved for them: the original stdout is
/// duplicated to a private descriptor for the protocol, and descriptor 1 is pointed at stderr, so whatever
/// libtorch, TorchSharp or the runtime prints (C printf included) lands in the diagnostics, never in the
/// protocol stream. Lines go out with write(2), not a FileStream: a FileStream on a regular file writes at
/// its own position (pwrite from 0), which would overwrite earlier lines when several runs share one
/// redirected file; write(2) appends at the descriptor's shared offset as a shell redirection expects.
/// </summary>
internal sealed partial class ProtocolOutput : IDisposable
{
    private const int StandardOutput = 1;
    private const int StandardError = 2;
    private const int Interrupted = 4;  // EINTR
    private readonly int descriptor;

    private ProtocolOutput(int descriptor) => this.descriptor = descriptor;

    public static ProtocolOutput TakeStandardOutput()
    {
        int protocol = Dup(StandardOutput);
        if (protocol < 0 || Dup2(StandardError, StandardOutput) < 0)
        {
            throw new IOException($"cannot separate the protocol from stdout (errno {Marshal.GetLastPInvokeError()})");
        }
        Console.SetOut(Console.Error);
        return new ProtocolOutput(protocol);
    }

    /// <summary>Writes one line whole (a single write in practice, so a reader never sees half of it from us).</summary>
    public unsafe void WriteLine(string json)
    {
        byte[] line = Encoding.UTF8.GetBytes(json + "\n");
        fixed (byte* start = line)
        {
            int written = 0;
            while (written < line.Length)
            {
                nint result = Write(descriptor, start + written, (nuint)(line.Length - written));
                if (result < 0 && Marshal.GetLastPInvokeError() == Interrupted)
                {
                    continue;
                }
                if (result <= 0)
                {
                    throw new IOException($"cannot write the protocol line (errno {Marshal.GetLastPInvokeError()})");
                }
                written += (int)result;
            }
        }
    }

    public void Dispose() => Close(descriptor);

    [LibraryImport("libc.so.6", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc.so.6", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int fd, int target);

    [LibraryImport("libc.so.6", EntryPoint = "write", SetLastError = true)]
    private static unsafe partial nint Write(int fd, byte* buffer, nuint count);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);
}
