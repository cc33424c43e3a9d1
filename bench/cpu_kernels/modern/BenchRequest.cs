namespace Cluster.Bench.CpuKernels.Modern;

using System.Globalization;

/// <summary>A command line that does not follow the contract; Main reports it and exits with status 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command line: either <c>--info</c>, or
/// <c>--op OP --threads T --warmup W --repeats R [--gridnet-seconds S]</c>.
/// </summary>
internal sealed record BenchRequest(bool Info, string Op, int Threads, int Warmup, int Repeats, double GridNetSeconds)
{
    public const string Usage =
        "usage: modern-bench --info\n" +
        "       modern-bench --op gemm|bmm|lstm|attention|whisper-step|gridnet-step --threads T --warmup W --repeats R [--gridnet-seconds S]";

    public static BenchRequest Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 1 && args[0] == "--info")
        {
            return new BenchRequest(true, "", 0, 0, 0, 0);
        }
        var values = new Dictionary<string, string>();
        for (int i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new UsageException($"expected --name value pairs, got '{args[i]}'");
            }
            values[args[i][2..]] = args[i + 1];
        }
        var known = new HashSet<string> { "op", "threads", "warmup", "repeats", "gridnet-seconds" };
        foreach (var name in values.Keys.Where(name => !known.Contains(name)))
        {
            throw new UsageException($"unknown option --{name}");
        }
        string op = Required(values, "op");
        if (!Operations.Names.Contains(op))
        {
            throw new UsageException($"unknown op '{op}'");
        }
        double seconds = values.TryGetValue("gridnet-seconds", out var text) ? ParseNumber(text, "gridnet-seconds") : 2.0;
        if (!(seconds > 0))
        {
            throw new UsageException("--gridnet-seconds must be positive");
        }
        return new BenchRequest(false, op, Count(values, "threads", minimum: 1), Count(values, "warmup", minimum: 0), Count(values, "repeats", minimum: 1), seconds);
    }

    private static string Required(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var value) ? value : throw new UsageException($"--{name} is required");

    private static int Count(Dictionary<string, string> values, string name, int minimum)
    {
        string text = Required(values, name);
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < minimum)
        {
            throw new UsageException($"--{name} must be an integer >= {minimum}, got '{text}'");
        }
        return value;
    }

    private static double ParseNumber(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new UsageException($"--{name} must be a number, got '{text}'");
}
