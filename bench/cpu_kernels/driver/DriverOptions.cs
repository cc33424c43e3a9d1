namespace Cluster.Bench.CpuKernels.Driver;

using System.Globalization;

/// <summary>A command line the driver cannot run; Main reports it and exits with status 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// What run.sh hands the driver. Kernels run <see cref="Warmup"/> + <see cref="Repeats"/> repetitions per turn; the
/// training steps, tens of seconds each, run <see cref="StepWarmup"/> + <see cref="StepRepeats"/> per turn.
/// </summary>
internal sealed record DriverOptions(
    int Threads,
    int Repeats,
    int Rounds,
    int Warmup,
    int StepWarmup,
    int StepRepeats,
    double GridNetSeconds,
    int ProbeRepeats,
    IReadOnlyList<string> Ops,
    string Ours,
    string Python,
    string Script,
    string Modern,
    string Probe,
    string? Blis,
    string? BlisLabel,
    string Logs,
    string Report)
{
    public const string Usage =
        "usage: cpu-kernels-driver --ours PATH --python PATH --script PATH --modern PATH --probe PATH --logs DIR --report PATH\n" +
        "       [--threads 1] [--repeats 5] [--rounds 2] [--warmup 2] [--step-warmup 1] [--step-repeats 1]\n" +
        "       [--gridnet-seconds 2] [--probe-repeats 10] [--blis PATH --blis-label TEXT] [--ops gemm,bmm,lstm,attention,whisper-step,gridnet-step]";

    public static DriverOptions Parse(IReadOnlyList<string> args)
    {
        var values = new Dictionary<string, string>();
        for (int i = 0; i < args.Count; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
            {
                throw new UsageException($"expected --name value pairs, got '{args[i]}'");
            }
            values[args[i][2..]] = args[i + 1];
        }
        var known = new HashSet<string>
        {
            "threads", "repeats", "rounds", "warmup", "step-warmup", "step-repeats", "gridnet-seconds", "probe-repeats", "ops",
            "ours", "python", "script", "modern", "probe", "blis", "blis-label", "logs", "report",
        };
        foreach (var name in values.Keys.Where(name => !known.Contains(name)))
        {
            throw new UsageException($"unknown option --{name}");
        }
        var ops = values.TryGetValue("ops", out var list) ? list.Split(',', StringSplitOptions.RemoveEmptyEntries) : [.. OperationCatalog.Names];
        if (ops.FirstOrDefault(op => !OperationCatalog.Names.Contains(op)) is { } unknown)
        {
            throw new UsageException($"unknown op '{unknown}' in --ops ({string.Join(", ", OperationCatalog.Names)})");
        }
        double seconds = values.TryGetValue("gridnet-seconds", out var text)
            && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) ? parsed : 2.0;
        if (!(seconds is > 0 and <= 30))
        {
            throw new UsageException($"--gridnet-seconds must lie in (0, 30], got '{text}'");
        }
        return new DriverOptions(
            Count(values, "threads", 1, minimum: 1),
            Count(values, "repeats", 5, minimum: 1),
            Count(values, "rounds", 2, minimum: 1),
            Count(values, "warmup", 2, minimum: 0),
            Count(values, "step-warmup", 1, minimum: 0),
            Count(values, "step-repeats", 1, minimum: 1),
            seconds,
            Count(values, "probe-repeats", 10, minimum: 1),
            ops,
            Required(values, "ours"),
            Required(values, "python"),
            Required(values, "script"),
            Required(values, "modern"),
            Required(values, "probe"),
            values.GetValueOrDefault("blis"),
            values.GetValueOrDefault("blis-label"),
            Required(values, "logs"),
            Required(values, "report"));
    }

    private static string Required(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var value) && value.Length > 0 ? value : throw new UsageException($"--{name} is required");

    private static int Count(Dictionary<string, string> values, string name, int fallback, int minimum)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < minimum)
        {
            throw new UsageException($"--{name} must be an integer >= {minimum}, got '{text}'");
        }
        return value;
    }
}
