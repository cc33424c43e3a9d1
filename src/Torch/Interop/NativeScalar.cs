using System.Runtime.InteropServices;

namespace Cluster.Torch.Interop;

/// <summary>Layout of <c>ts_scalar</c>: a Python-like number that remembers whether it is an integer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct NativeScalar(double real, long integer, int kind)
{
    public readonly double Real = real;
    public readonly long Integer = integer;
    public readonly int Kind = kind;
    public readonly int Reserved = 0;
}
