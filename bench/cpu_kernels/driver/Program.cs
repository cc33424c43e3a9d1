namespace Cluster.Bench.CpuKernels.Driver;

using System.Globalization;
using System.Text.Json.Nodes;
using Cluster.Torch.Cpu;

/// <summary>
/// The CPU kernel benchmark in one run: for each op and round the three sides take turns, each turn a process of its
/// own (warm-ups, then timed repetitions), the order rotating every round so no side always follows the same one; the
/// BLAS probe times GEMM across kernel families and libraries in the same run. Writes the report.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        DriverOptions options;
        try
        {
            options = DriverOptions.Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"cpu-kernels-driver: {e.Message}\n{DriverOptions.Usage}");
            return 2;
        }
        Directory.CreateDirectory(options.Logs);
        var cpu = CpuInfo.Read();
        string loadBefore = LoadAverage();
        var started = DateTime.UtcNow;

        // Ours decides its BLAS kernels with the default setup (BlasKernels.Ensure, probe included); its later turns
        // inherit the decision as a trainer's child processes do, and python3-torch gets the same kernels.
        var info = new Dictionary<string, JsonObject?>();
        var infoFailures = new Dictionary<string, string>();
        var oursFirst = new Side("ours", "ours", [options.Ours], new Dictionary<string, string?>());
        var oursInfo = Info(oursFirst, options, info, infoFailures);
        if (oursInfo is null)
        {
            Console.Error.WriteLine($"cpu-kernels-driver: our side gives no --info: {infoFailures["ours"]}");
            return 1;
        }
        var sides = Sides(options, oursInfo);
        foreach (var side in sides.Where(side => side.Name != "ours"))
        {
            Info(side, options, info, infoFailures);
        }
        info["ours"] = oursInfo;

        var probes = ProbeRows(options, cpu, oursInfo);
        var probeSide = (ProbeRow row) => new Side("probe", "cluster-blas-probe", [options.Probe], ProbeEnvironment(options.Threads, row.CoreType));
        for (int round = 0; round < options.Rounds; round++)
        {
            foreach (var row in probes)
            {
                var arguments = new List<string> { "--measure", options.ProbeRepeats.ToString(CultureInfo.InvariantCulture) };
                if (row.Library is { } library)
                {
                    arguments.InsertRange(0, ["--library", library]);
                }
                var result = probeSide(row).Run(arguments, Path.Combine(options.Logs, $"probe.{Slug(row.Label)}.r{round + 1}.log"));
                row.Add(result);
                string rate = result.Line?["gemm_gflops_median"] is { } median ? $"{median.GetValue<double>():F1} GFLOPS (median)" : result.Failure ?? "";
                Console.WriteLine($"probe round {round + 1}/{options.Rounds}, {row.Label}: {rate}");
            }
        }

        var timings = new Dictionary<(string, string), OpTimings>();
        foreach (string op in options.Ops)
        {
            var operation = OperationCatalog.Get(op, options.GridNetSeconds);
            foreach (var side in sides)
            {
                timings[(op, side.Name)] = new OpTimings();
            }
            for (int round = 0; round < options.Rounds; round++)
            {
                foreach (var side in sides.Skip(round % sides.Count).Concat(sides.Take(round % sides.Count)))
                {
                    var arguments = new List<string>
                    {
                        "--op", op, "--threads", options.Threads.ToString(CultureInfo.InvariantCulture),
                        "--warmup", (operation.IsTrainingStep ? options.StepWarmup : options.Warmup).ToString(CultureInfo.InvariantCulture),
                        "--repeats", (operation.IsTrainingStep ? options.StepRepeats : options.Repeats).ToString(CultureInfo.InvariantCulture),
                    };
                    if (op == "gridnet-step")
                    {
                        arguments.AddRange(["--gridnet-seconds", options.GridNetSeconds.ToString("R", CultureInfo.InvariantCulture)]);
                    }
                    var result = side.Run(arguments, Path.Combine(options.Logs, $"{op}.{side.Name}.r{round + 1}.log"));
                    timings[(op, side.Name)].Add(result);
                    string outcome = result.Line?["ms"] is JsonArray ms
                        ? string.Join(", ", ms.Select(v => v!.GetValue<double>().ToString("F1", CultureInfo.InvariantCulture))) + " ms"
                        : $"failed: {result.Failure}";
                    Console.WriteLine($"{op} round {round + 1}/{options.Rounds}, {side.Label}: {outcome} (process {result.WallSeconds:F1} s)");
                }
            }
        }

        var run = new BenchmarkRun(options, cpu, sides, info, infoFailures, timings, probes,
            AptFacts.Candidate("libmkl-rt"), AptFacts.Components(), Environment.GetEnvironmentVariable("OMP_WAIT_POLICY"),
            loadBefore, LoadAverage(), started, DateTime.UtcNow);
        string text = Report.Write(run);
        Console.WriteLine();
        Console.WriteLine(text);
        string temporary = options.Report + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, options.Report, overwrite: true);
        return 0;
    }

    /// <summary>
    /// The three sides. Ours gets our first process's decision as BlasKernels hands it to a child (CLUSTER_BLAS_CHOICE,
    /// and OPENBLAS_CORETYPE when it set one); python3-torch gets OPENBLAS_CORETYPE set to the kernels OpenBLAS reported
    /// running in our process, so both run the same kernels of the same library. libtorch 2.10 brings its own MKL.
    /// </summary>
    private static List<Side> Sides(DriverOptions options, JsonObject oursInfo)
    {
        string? coreType = oursInfo["openblas_coretype"]?.GetValue<string>();
        string kernels = oursInfo["blas_kernels"]!.GetValue<string>();
        string? coreName = oursInfo["openblas_corename"]?.GetValue<string>();
        var ours = new Dictionary<string, string?> { [BlasKernelChoice.ChoiceVariable] = coreType ?? kernels };
        if (coreType is not null)
        {
            ours[BlasKernelChoice.CoreTypeVariable] = coreType;
        }
        var python = new Dictionary<string, string?>();
        if ((coreName ?? coreType) is { } pinned)
        {
            python[BlasKernelChoice.CoreTypeVariable] = pinned;
        }
        return
        [
            new Side("ours", "ours", [options.Ours], ours),
            new Side("python", "python3-torch", [options.Python, options.Script], python),
            new Side("modern", "libtorch 2.10", [options.Modern], new Dictionary<string, string?>()),
        ];
    }

    private static JsonObject? Info(Side side, DriverOptions options, Dictionary<string, JsonObject?> info, Dictionary<string, string> failures)
    {
        var result = side.Run(["--info"], Path.Combine(options.Logs, $"info.{side.Name}.log"));
        info[side.Name] = result.Line;
        if (result.Line is null)
        {
            failures[side.Name] = result.Failure ?? "no answer";
            Console.WriteLine($"{side.Label} --info failed: {result.Failure}");
        }
        else
        {
            Console.WriteLine($"{side.Label}: {result.Line["runtime"] ?? result.Line["libtorch"]}");
        }
        return result.Line;
    }

    /// <summary>
    /// GEMM rows: OpenBLAS's safe kernels, its own detection, our choice and the families the CPU's flags allow (as
    /// BlasKernelPolicy ranks them), then BLIS when run.sh unpacked it.
    /// </summary>
    private static List<ProbeRow> ProbeRows(DriverOptions options, CpuInfo cpu, JsonObject oursInfo)
    {
        string? ourKernels = oursInfo["openblas_corename"]?.GetValue<string>();
        var rows = new List<ProbeRow>
        {
            new($"OpenBLAS, OPENBLAS_CORETYPE={BlasKernelChoice.SafeKernels}", BlasKernelChoice.SafeKernels, null, "the safe generic (SSE3) kernels, CLUSTER_BLAS_KERNELS=safe"),
            new("OpenBLAS, OPENBLAS_CORETYPE unset", null, null, "OpenBLAS's own detection"),
        };
        var families = new List<string>();
        if (ourKernels is not null)
        {
            families.Add(ourKernels);
        }
        families.AddRange(BlasKernelPolicy.Candidates(cpu, BlasKernelChoice.SafeKernels));
        foreach (string family in families.Distinct(StringComparer.OrdinalIgnoreCase).Where(f => !f.Equals(BlasKernelChoice.SafeKernels, StringComparison.OrdinalIgnoreCase)))
        {
            string note = family == ourKernels ? "the kernels ours (and python3-torch) ran" : "a family this CPU's flags allow";
            rows.Add(new ProbeRow($"OpenBLAS, OPENBLAS_CORETYPE={family}", family, null, note));
        }
        if (options.Blis is { } blis)
        {
            rows.Add(new ProbeRow($"BLIS ({options.BlisLabel ?? Path.GetFileName(blis)})", null, blis, "unpacked, not installed; loaded by the probe with --library"));
        }
        return rows;
    }

    /// <summary>As BlasKernels.Probe runs it: the thread count for every threading layer, the kernels set or removed.</summary>
    private static Dictionary<string, string?> ProbeEnvironment(int threads, string? coreType)
    {
        string count = threads.ToString(CultureInfo.InvariantCulture);
        return new Dictionary<string, string?>
        {
            ["OMP_NUM_THREADS"] = count,
            ["OPENBLAS_NUM_THREADS"] = count,
            ["BLIS_NUM_THREADS"] = count,
            [BlasKernelChoice.CoreTypeVariable] = coreType,
        };
    }

    private static string Slug(string label) => new([.. label.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-')]);

    private static string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
