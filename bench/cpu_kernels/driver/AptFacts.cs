namespace Cluster.Bench.CpuKernels.Driver;

using System.Diagnostics;
using System.Text.RegularExpressions;

/// <summary>What this machine's apt can say about MKL, asked at run time so the report states it, not assumes it.</summary>
internal static partial class AptFacts
{
    /// <summary>apt-cache's candidate for <paramref name="package"/>, "(none)" when apt knows no version, or null when apt-cache could not be asked.</summary>
    public static string? Candidate(string package)
    {
        try
        {
            var start = new ProcessStartInfo("apt-cache") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add("policy");
            start.ArgumentList.Add(package);
            using var process = Process.Start(start);
            if (process is null)
            {
                return null;
            }
            string output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            process.WaitForExit();
            var match = CandidateLine().Match(output);
            // apt-cache prints nothing at all for a package name it has never seen in any list.
            return match.Success ? match.Groups[1].Value.Trim() : "(none)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>The archive components the enabled apt sources name (deb822 "Components:" and one-line "deb" entries).</summary>
    public static IReadOnlyList<string> Components()
    {
        var components = new SortedSet<string>(StringComparer.Ordinal);
        var files = new List<string> { "/etc/apt/sources.list" };
        if (Directory.Exists("/etc/apt/sources.list.d"))
        {
            files.AddRange(Directory.GetFiles("/etc/apt/sources.list.d").Where(f => f.EndsWith(".list", StringComparison.Ordinal) || f.EndsWith(".sources", StringComparison.Ordinal)));
        }
        foreach (string file in files.Where(File.Exists))
        {
            foreach (string raw in File.ReadLines(file))
            {
                string line = raw.Trim();
                if (line.StartsWith("Components:", StringComparison.Ordinal))
                {
                    components.UnionWith(line["Components:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
                }
                else if (line.StartsWith("deb ", StringComparison.Ordinal))
                {
                    // deb [options] URI suite component...
                    var fields = OptionBlock().Replace(line, "").Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    components.UnionWith(fields.Skip(3));
                }
            }
        }
        return [.. components];
    }

    [GeneratedRegex(@"^\s*Candidate:\s*(.+)$", RegexOptions.Multiline)]
    private static partial Regex CandidateLine();

    [GeneratedRegex(@"\[[^\]]*\]")]
    private static partial Regex OptionBlock();
}
