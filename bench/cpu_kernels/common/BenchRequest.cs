namespace Cluster.Bench.CpuKernels;

using System.Globalization;

/// <summary>A command line that does not follow the contract; Main reports it and exits with status 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// The command line both C# sides share (ours on Cluster.Torch, the libtorch 2.10 reference on TorchSharp; the python
/// side, ../cpu_kernels.py, follows the same contract): either <c>--info</c>, or
/// <c>--op OP --threads T --warmup W --repeats R [--gridnet-seconds S]</c>.
/// </summary>
internal sealed record BenchRequest(bool Info, string Op, int Threads, int Warmup, int Repeats, double GridNetSeconds)
{
    public static readonly IReadOnlySet<string> Operations = new HashSet<string> { "gemm", "bmm", "lstm", "attention", "whisper-step", "gridnet-step" };

    private static readonly HashSet<string> Options = ["op", "threads", "warmup", "repeats", "gridnet-seconds"];

    public static string Usage(string program) =>
        $"usage: {program} --info\n" +
        $"       {program} --op {string.Join('|', Operations)} --threads T --warmup W --repeats R [--gridnet-seconds S]";

    /// <summary>The request, or null after the reason and the usage went to stderr.</summary>
    public static BenchRequest? TryParse(IReadOnlyList<string> args, string program)
    {
        try
        {
            return Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"{program}: {e.Message}\n{Usage(program)}");
            return null;
        }
    }

    /// <exception cref="UsageException">The arguments do not follow the contract.</exception>
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
            string name = args[i][2..];
            if (!Options.Contains(name))
            {
                throw new UsageException($"unknown option --{name}");
            }
            values[name] = args[i + 1];
        }
        string op = Required(values, "op");
        if (!Operations.Contains(op))
        {
            throw new UsageException($"unknown op '{op}'");
        }
        // 2 s by default: a 4 s TF-GridNetV2 step at batch 2 needs about 25 GB for backward.
        double seconds = values.TryGetValue("gridnet-seconds", out var text) ? Number(text, "gridnet-seconds") : 2.0;
        if (!(seconds is > 0 and <= 30))
        {
            throw new UsageException($"--gridnet-seconds must lie in (0, 30], got {seconds}");
        }
        return new BenchRequest(false, op, Count(values, "threads", minimum: 1), Count(values, "warmup", minimum: 0),
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
