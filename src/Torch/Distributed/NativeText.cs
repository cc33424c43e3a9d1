using System.Text;

namespace Cluster.Torch.Distributed;

/// <summary>Zero-terminated UTF-8 for the shim's <c>const char*</c> parameters.</summary>
internal static class NativeText
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text + "\0");

    public static byte[] Key(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (key.Contains('\0')) throw new ArgumentException($"store key '{key.Replace("\0", "\\0")}' contains a NUL character", nameof(key));
        return Utf8(key);
    }

    public static long Milliseconds(TimeSpan timeout, string name)
    {
        if (timeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(name, timeout, $"{name} must be positive");
        return Math.Max(1, (long)Math.Ceiling(timeout.TotalMilliseconds));
    }
}
