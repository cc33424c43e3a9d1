using Cluster.Speech.Data;

namespace Cluster.Speech.Tests.Data;

/// <summary>Runs a read that must fail and returns what it reported, for exact assertions on lines and reasons.</summary>
internal static class Problems
{
    public static ManifestFormatException Of(Action read) => Assert.Throws<ManifestFormatException>(read);

    /// <summary>The (line, reason) pairs of a failed read, in the order reported.</summary>
    public static (int? Line, string Reason)[] Lines(Action read) => [.. Of(read).Problems.Select(p => (p.Line, p.Reason))];
}
