namespace Cluster.Bench.CpuKernels.Ours;

using System.Globalization;

/// <summary>A command line that does not follow the contract; Main reports it and exits with status 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command line, the same contract as the libtorch 2.10 side (../modern/BenchRequest.cs): either <c>--info</c>,
/// or <c>--op OP --threads T --warmup W --repeats R [--gridnet-seconds S]</c>.
/// </summary>
internal sealed record KernelRequest(bool Info, string Op, int Threads, int Warmup, int Repeats, double GridNetSeconds)
{
    public const string Usage =
        "usage: cpu-kernels-ours --info\n" +
        "       cpu-kernels-ours --op gemm|bmm|lstm|attention|whisper-step|gridnet-step --threads T --warmup W --repeats R [--gridnet-seconds S]";

    private static readonly HashSet<string> Options = ["op", "threads", "warmup", "repeats", "gridnet-seconds"];

    public static KernelRequest Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 1 && args[0] == "--info")
        {
            return new KernelRequest(true, "", 0, 0, 0, 0);
        }
        var values = new Dictionary<string, string>();
        for (int i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new UsageException($"expected --name value pairs, got '{args[i]}'");
            }
            string name = args[i][2..];
            if (!Options.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }
            values[name] = args[i + 1];
        }
        string op = Required(values, "op");
        if (!Operations.Names.Contains(op))
        {
            throw new UsageException($"unknown op '{op}'");
        }
        // 2 s, as the libtorch 2.10 side defaults: a 4 s step at batch 2 needs about 25 GB for backward.
        double seconds = values.TryGetValue("gridnet-seconds", out var text) ? Number(text, "gridnet-seconds") : 2.0;
        if (!(seconds is > 0 and <= 30))
        {
            throw new UsageException($"--gridnet-seconds must lie in (0, 30], got {seconds}");
        }
        return new KernelRequest(false, op, Count(values, "threads", minimum: 1), Count(values, "warmup", minimum: 0),
            Count(values, "repeats", minimum: 1), seconds);
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

    private static double Number(string text, string name) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new UsageException($"--{name} must be a number, got '{text}'");
}
