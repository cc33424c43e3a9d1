namespace Cluster.Speech.Tests;

/// <summary>The process's resident memory, from /proc/self/statm (its second field, in pages).</summary>
internal static class ResidentMemory
{
    public static long Bytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    public static double Megabytes() => Bytes() / (1024.0 * 1024.0);
}
