namespace Cluster.Bench.CpuKernels.Driver;

using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

/// <summary>
/// bench/results/cpu_kernels.md from one run. Every number in it comes from that run: the timings, the probe's rates,
/// the CPU's clock and flags, and what each side said about its libraries.
/// </summary>
internal static class Report
{
    private const double Target = 1.3;

    public static string Write(BenchmarkRun run)
    {
        var o = run.Options;
        var text = new StringBuilder();
        double? peak = run.Cpu.PeakGflops(Math.Min(o.Threads, run.Cpu.LogicalCpus));
        text.AppendLine("# CPU kernels: ours vs python3-torch vs libtorch 2.10");
        text.AppendLine();
        text.AppendLine($"One run, {o.Threads} thread(s) on every side. For each op the three sides take turns in {o.Rounds} round(s), the order rotating every round ({string.Join(" → ", run.Sides.Select(s => s.Label))} first, then shifted by one); a turn is a process of its own that builds the op's inputs once, runs untimed warm-ups, then timed repetitions back to back. Kernels: {o.Warmup} warm-up(s) + {o.Repeats} timed per turn; training steps: {o.StepWarmup} warm-up(s) + {o.StepRepeats} timed per turn. Medians (and the fastest and slowest repetition) in ms over all of a side's timed repetitions. Gradients are set to None between repetitions (untimed); in a training step its own zero_grad is timed, as bench/train_step times it. `CPU / wall` is the process CPU time over the wall-clock of the timed repetitions: near the thread count on a quiet machine, lower where the process waited for a CPU. Produced by `bench/cpu_kernels/run.sh {o.Threads} {o.Repeats} {o.Rounds}`.");
        text.AppendLine();

        WriteMachine(run, peak, text);
        WriteSides(run, text);
        WriteSummary(run, peak, text);
        foreach (string op in o.Ops)
        {
            WriteOp(run, op, peak, text);
        }
        WriteProbes(run, peak, text);
        WriteFindings(run, peak, text);

        var headline = Headline(run);
        text.AppendLine();
        if (headline.Missing.Count > 0)
        {
            var notRun = headline.Missing.Where(op => !o.Ops.Contains(op)).ToList();
            var failed = headline.Missing.Where(o.Ops.Contains).ToList();
            string why = string.Join("; ", new[]
            {
                notRun.Count > 0 ? $"not run this time: {string.Join(", ", notRun)}" : "",
                failed.Count > 0 ? $"a side gave no timing (see above): {string.Join(", ", failed)}" : "",
            }.Where(part => part.Length > 0));
            text.AppendLine($"**The ratio below leaves out** {string.Join(", ", headline.Missing)} ({why}).");
            text.AppendLine();
        }
        string ratio = headline.Worst is { } worst ? worst.Ratio.ToString("F3", CultureInfo.InvariantCulture) : "nan";
        text.AppendLine($"RESULT cpu_kernels ratio={ratio} target={Target.ToString(CultureInfo.InvariantCulture)}");
        return text.ToString();
    }

    private static void WriteMachine(BenchmarkRun run, double? peak, StringBuilder text)
    {
        var cpu = run.Cpu;
        string Yes(bool flag) => flag ? "yes" : "no";
        text.AppendLine("## Machine");
        text.AppendLine();
        string clock = cpu.Megahertz is double mhz ? $"{mhz:F0} MHz per /proc/cpuinfo" : "clock unknown (/proc/cpuinfo has no \"cpu MHz\")";
        text.AppendLine($"- CPU: {cpu.Model} ({cpu.Vendor}), {cpu.LogicalCpus} logical CPUs, {clock}; AVX2 {Yes(cpu.Flags.Contains("avx2"))}, FMA {Yes(cpu.Flags.Contains("fma"))}, AVX-512 {Yes(cpu.HasAvx512)}.");
        if (peak is double p && cpu.Megahertz is double m)
        {
            int cores = Math.Min(run.Options.Threads, cpu.LogicalCpus);
            text.AppendLine($"- Peak, the doctor's rule (`CpuInfo.PeakGflops`, as `cluster doctor` prints it): {cores} core(s) × {m / 1000:F3} GHz × {cpu.FloatFlopsPerCycle} single-precision FLOP/cycle (two FMA units of the widest vectors the flags allow: AVX2 + FMA 32, AVX-512 64) = **{p:F1} GFLOPS**. The clock is /proc/cpuinfo's nominal one; a core that boosts above it (under KVM the guest sees the host's base clock) can exceed 100 % of this peak.");
        }
        else
        {
            text.AppendLine("- Peak: unknown (no clock in /proc/cpuinfo), so no share of peak is given.");
        }
        text.AppendLine($"- When: {run.Started:yyyy-MM-dd HH:mm} to {run.Finished:HH:mm} UTC; load average {run.LoadBefore} before, {run.LoadAfter} after (other work on the machine shows as noise in every side alike: the sides alternate). OMP_WAIT_POLICY={run.OmpWaitPolicy ?? "(unset)"}.");
        // The benchmark itself keeps about its thread count busy (and the build before it); more than half the CPUs
        // beyond that means someone else was running too.
        double busiest = new[] { run.LoadBefore, run.LoadAfter }.Max(load => double.Parse(load, CultureInfo.InvariantCulture));
        if (busiest > run.Options.Threads + cpu.LogicalCpus / 2.0)
        {
            text.AppendLine($"- **The machine was busy** (load average up to {busiest.ToString(CultureInfo.InvariantCulture)} on {cpu.LogicalCpus} CPUs, where this benchmark accounts for about {run.Options.Threads}): other processes competed for the cores, so these figures are noisier than a quiet machine's (see the `CPU / wall` columns); re-run for final figures.");
        }
        text.AppendLine();
    }

    private static void WriteSides(BenchmarkRun run, StringBuilder text)
    {
        text.AppendLine("## What each side ran");
        text.AppendLine();
        text.AppendLine("| side | runtime | BLAS | kernels |");
        text.AppendLine("|---|---|---|---|");
        var ours = run.Info.GetValueOrDefault("ours");
        var python = run.Info.GetValueOrDefault("python");
        var modern = run.Info.GetValueOrDefault("modern");
        if (ours is not null)
        {
            string warning = ours["blas_warning"] is { } w ? $"; warning: {Cell(w.GetValue<string>())}" : "";
            text.AppendLine($"| ours | {Cell(Text(ours, "runtime"))}; CpuMemoryCache limit {Number(ours, "cpu_memory_cache_bytes") / (1L << 30):F1} GiB (a CPU trainer's default) | {Cell(Text(ours, "openblas_config") ?? "not OpenBLAS")} ({Cell(Files(ours))}) | OpenBLAS reports **{Text(ours, "openblas_corename") ?? "no core name"}** in the process; decided by `BlasKernels` with the default setup: {Cell(Text(ours, "blas_explanation"))}{warning}; the later turns inherit that decision (`{Cluster.Torch.Cpu.BlasKernelChoice.ChoiceVariable}`) as a trainer's child processes do |");
        }
        if (python is not null)
        {
            string pinned = Text(python, "openblas_coretype") is { } core ? $"OPENBLAS_CORETYPE={core}, taken from ours" : "OPENBLAS_CORETYPE unset";
            text.AppendLine($"| python3-torch | {Cell(Text(python, "runtime"))}, Debian's build; `bench/cpu_kernels/cpu_kernels.py`, training steps from `bench/train_step/train_step.py` | {Cell(Text(python, "openblas_config") ?? "not OpenBLAS")} ({Cell(Files(python))}) | OpenBLAS reports **{Text(python, "openblas_corename") ?? "no core name"}** ({pinned}) |");
        }
        else
        {
            text.AppendLine($"| python3-torch | not available: {Cell(run.InfoFailures.GetValueOrDefault("python") ?? "")} | | |");
        }
        if (modern is not null)
        {
            string config = Text(modern, "config") ?? "";
            string Line(string contains) => config.Split('\n').Select(l => l.Trim().TrimStart('-').Trim()).FirstOrDefault(l => l.Contains(contains, StringComparison.Ordinal)) ?? "";
            text.AppendLine($"| libtorch 2.10 | libtorch {Text(modern, "libtorch")} (the stock PyTorch CPU build) through TorchSharp-cpu {Text(modern, "torchsharp")}; `bench/cpu_kernels/modern` | {Cell(Line("Math Kernel Library"))}; {Cell(Line("MKL-DNN"))} | MKL picks its own kernels at run time; {Cell(Line("CPU capability usage"))} |");
        }
        else
        {
            text.AppendLine($"| libtorch 2.10 | not available: {Cell(run.InfoFailures.GetValueOrDefault("modern") ?? "")} | | |");
        }
        text.AppendLine();
        text.AppendLine("How libtorch 2.10 runs on Debian 12 without changing the system (details in the header of `bench/cpu_kernels/modern-runtime.sh`): TorchSharp 0.107's native library needs GLIBCXX_3.4.32 (gcc ≥ 13's libstdc++); bookworm has gcc 12's, and trixie's libstdc++ in turn needs glibc 2.38 (bookworm: 2.36). So trixie's libc6, libstdc++6 and libgcc-s1 are downloaded as .deb files with an apt configuration that lives entirely under `out/bench/modern-libc/`, unpacked with `dpkg-deb -x` (not installed), and the published self-contained program is started under trixie's own loader, `ld-linux-x86-64.so.2 --library-path <app>:<trixie libs> <host>`, with a small host (`modern/dotnet_host.c`) because .NET's apphost would look for its app beside the loader. Only that process sees trixie's glibc and libstdc++.");
        text.AppendLine();
    }

    private static void WriteSummary(BenchmarkRun run, double? peak, StringBuilder text)
    {
        text.AppendLine("## Summary");
        text.AppendLine();
        string[] labels = [.. run.Sides.Select(s => s.Label)];
        text.AppendLine($"Median ms per side; GFLOPS from the median; ratios are our median over the other side's (below 1: ours is faster). FLOP counting rule: a multiply-add is 2 FLOP, only the matrix products are counted (softmax, the LSTM's gate nonlinearities, sums and the optimizer are not), and a backward counts twice its forward (one product per input gradient), so forward + backward is 3× the forward; each op's formula is under it. The training steps are compared by time only.");
        text.AppendLine();
        text.AppendLine($"| op | {string.Join(" | ", labels.Select(l => $"{l} ms"))} | {string.Join(" | ", labels.Select(l => $"{l} GFLOPS"))} | ours / libtorch 2.10 | ours / python3-torch |");
        text.AppendLine($"|---|{string.Concat(Enumerable.Repeat("---:|", labels.Length * 2 + 2))}");
        foreach (string op in run.Options.Ops)
        {
            var info = OperationCatalog.Get(op, run.Options.GridNetSeconds);
            var medians = run.Sides.Select(s => Timing(run, op, s.Name) is { HasData: true } t ? t.Median : (double?)null).ToArray();
            string ms = string.Join(" | ", medians.Select(m => m is double v ? Ms(v) : "n/a"));
            string gflops = string.Join(" | ", medians.Select(m => m is double v && info.Flop is double flop ? $"{flop / (v / 1000) / 1e9:F1}" : "—"));
            text.AppendLine($"| {op} | {ms} | {gflops} | {RatioText(run, op, "modern")} | {RatioText(run, op, "python")} |");
        }
        text.AppendLine();
    }

    private static void WriteOp(BenchmarkRun run, string op, double? peak, StringBuilder text)
    {
        var info = OperationCatalog.Get(op, run.Options.GridNetSeconds);
        text.AppendLine($"## {op}");
        text.AppendLine();
        string flop = info.Flop is double f ? $" FLOP counted: {info.FlopRule} = {f / 1e9:F3} GFLOP per repetition." : " Work not counted in FLOP (a whole model step); compared by time only.";
        text.AppendLine($"{info.Description}.{flop}");
        if (op == "gridnet-step" && run.Options.GridNetSeconds != 4)
        {
            text.AppendLine();
            text.AppendLine($"**Shorter than the train_step size:** {run.Options.GridNetSeconds:0.##} s mixtures, not 4 s. A 4 s step at batch 2 needs tens of GB of activations for backward (bench/results/train_step.md), and each side's turn is a warm-up step plus the timed one; the shorter mixture (CPU_KERNELS_GRIDNET_SECONDS) keeps the run's length reasonable. The comparison between the sides holds at this length only.");
        }
        text.AppendLine();
        text.AppendLine("| side | median ms | fastest | slowest | timed | GFLOPS | share of peak | CPU / wall | parameters |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        var failures = new List<string>();
        foreach (var side in run.Sides)
        {
            var timing = Timing(run, op, side.Name);
            if (timing is not { HasData: true })
            {
                text.AppendLine($"| {side.Label} | n/a | | | 0 | | | | |");
            }
            else
            {
                double median = timing.Median;
                double? gflops = info.Flop is double count ? count / (median / 1000) / 1e9 : null;
                string share = gflops is double g && peak is double p ? $"{g / p * 100:F0} %" : "—";
                text.AppendLine($"| {side.Label} | {Ms(median)} | {Ms(timing.Milliseconds.Min())} | {Ms(timing.Milliseconds.Max())} | {timing.Milliseconds.Count} | {(gflops is double v ? $"{v:F1}" : "—")} | {share} | {(timing.CpuPerWall is double busy ? $"{busy:F2}" : "—")} | {(timing.Parameters is long n ? n.ToString("N0", CultureInfo.InvariantCulture) : "")} |");
            }
            if (timing is not null)
            {
                failures.AddRange(timing.Failures.Distinct().Select(reason => $"{side.Label}: {reason}"));
            }
        }
        text.AppendLine();
        text.AppendLine($"Ours / libtorch 2.10: **{RatioText(run, op, "modern")}**; ours / python3-torch: **{RatioText(run, op, "python")}**.");
        if (failures.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Turns that gave no timing:");
            foreach (string failure in failures)
            {
                text.AppendLine($"- {failure}");
            }
        }
        text.AppendLine();
    }

    private static void WriteProbes(BenchmarkRun run, double? peak, StringBuilder text)
    {
        text.AppendLine("## GEMM 1024³ across BLAS libraries and OpenBLAS kernel families");
        text.AppendLine();
        text.AppendLine($"`cluster-blas-probe` (src/Torch/native/blas_probe.c, the check `BlasKernels` runs before libtorch loads): sgemm 1024³ straight on the library, {run.Options.Threads} thread(s), after its correctness check; each of {run.Options.Rounds} round(s) runs every row once with {run.Options.ProbeRepeats} timed calls. Median: the median over the rounds of each round's median; best: the fastest call of all.");
        text.AppendLine();
        text.AppendLine("| BLAS | kernels it reports | median GFLOPS | best GFLOPS | share of peak | note |");
        text.AppendLine("|---|---|---:|---:|---:|---|");
        foreach (var row in run.Probes)
        {
            if (row.HasData)
            {
                string share = peak is double p ? $"{row.MedianGflops / p * 100:F0} %" : "—";
                text.AppendLine($"| {row.Label} | {row.CoreName ?? "(not OpenBLAS)"} | {row.MedianGflops:F1} | {row.BestGflops:F1} | {share} | {Cell(row.Note)}; {Cell(row.LoadedFile ?? "")} |");
            }
            else
            {
                text.AppendLine($"| {row.Label} | | n/a | | | {Cell(string.Join("; ", row.Failures.Distinct()))} |");
            }
        }
        if (run.Options.Blis is null)
        {
            text.AppendLine("| BLIS (libblis4-openmp) | | n/a | | | not unpacked: `apt-get download libblis4-openmp` failed in run.sh (see its output) |");
        }
        string components = run.AptComponents.Count > 0 ? string.Join(", ", run.AptComponents) : "none found";
        string candidate = run.MklCandidate is null ? "apt-cache could not be asked" : $"`apt-cache policy libmkl-rt` gives candidate {run.MklCandidate}";
        text.AppendLine($"| MKL (Debian's libmkl-rt) | | not measured | | | libmkl-rt is in Debian's non-free component; this machine's apt sources enable the components: {components}; {candidate}. No source was added. MKL's sgemm is still measured indirectly: libtorch 2.10 links MKL, so its gemm row above is an MKL GEMM through torch.matmul |");
        text.AppendLine();
        var gemmRates = run.Sides
            .Where(s => Timing(run, "gemm", s.Name) is { HasData: true })
            .Select(s => $"{s.Label} {OperationCatalog.Get("gemm", 2).Flop!.Value / (Timing(run, "gemm", s.Name)!.Median / 1000) / 1e9:F1}")
            .ToList();
        if (gemmRates.Count > 0)
        {
            text.AppendLine($"The same product through torch.matmul (the gemm op above, median GFLOPS): {string.Join(", ", gemmRates)}.");
            text.AppendLine();
        }
    }

    private static void WriteFindings(BenchmarkRun run, double? peak, StringBuilder text)
    {
        text.AppendLine("## Findings");
        text.AppendLine();
        var headline = Headline(run);
        if (headline.Worst is { } worst)
        {
            string verdict = worst.Ratio <= Target ? "within" : "outside";
            text.AppendLine($"- The worst of gemm, lstm and attention is **{worst.Op}: our median is {worst.Ratio:F3}× libtorch 2.10's**, {verdict} the target of {Target.ToString(CultureInfo.InvariantCulture)}×.");
        }
        foreach (string op in run.Options.Ops)
        {
            if (Ratio(run, op, "modern") is double modern)
            {
                string python = Ratio(run, op, "python") is double p ? $" and {p:F3}× python3-torch's ({Compare(p)} on the same libtorch 1.13 and BLAS)" : "";
                text.AppendLine($"- {op}: ours takes {modern:F3}× libtorch 2.10's time ({Compare(modern)}){python}.");
            }
        }
        var rows = run.Probes.Where(r => r.HasData).ToList();
        var safe = rows.FirstOrDefault(r => r.CoreType == Cluster.Torch.Cpu.BlasKernelChoice.SafeKernels);
        string? ourKernels = run.Info.GetValueOrDefault("ours")?["openblas_corename"]?.GetValue<string>();
        var chosen = rows.FirstOrDefault(r => r.CoreType is not null && r.CoreType == ourKernels);
        if (safe is not null && chosen is not null && chosen != safe)
        {
            text.AppendLine($"- OpenBLAS kernel families: the {chosen.CoreType} kernels ours runs reach {chosen.MedianGflops:F1} GFLOPS in sgemm 1024³, {chosen.MedianGflops / safe.MedianGflops:F1}× the safe {safe.CoreType} kernels' {safe.MedianGflops:F1}.");
        }
        var detected = rows.FirstOrDefault(r => r.CoreType is null && r.Library is null);
        if (detected is not null)
        {
            text.AppendLine($"- OpenBLAS's own detection picks {detected.CoreName ?? "an unnamed family"} on this CPU ({detected.MedianGflops:F1} GFLOPS).");
        }
        var blis = rows.FirstOrDefault(r => r.Library is not null);
        if (blis is not null && chosen is not null)
        {
            text.AppendLine($"- {blis.Label}: {blis.MedianGflops:F1} GFLOPS, {blis.MedianGflops / chosen.MedianGflops:F2}× OpenBLAS {chosen.CoreType}'s {chosen.MedianGflops:F1} on the same probe.");
        }
        if (Timing(run, "gemm", "modern") is { HasData: true } mkl && Timing(run, "gemm", "ours") is { HasData: true } ours)
        {
            double flop = OperationCatalog.Get("gemm", 2).Flop!.Value;
            text.AppendLine($"- MKL inside libtorch 2.10 runs torch.matmul 1024³ at {flop / (mkl.Median / 1000) / 1e9:F1} GFLOPS, ours (OpenBLAS {ourKernels ?? "?"}) at {flop / (ours.Median / 1000) / 1e9:F1}: ours takes {ours.Median / mkl.Median:F3}× its time.");
        }
        if (peak is double pk)
        {
            double best = rows.Select(r => r.MedianGflops).DefaultIfEmpty(0).Max();
            if (best > pk)
            {
                text.AppendLine($"- The fastest GEMM median ({best:F1} GFLOPS) is above the nominal peak of {pk:F1}: the core ran faster than /proc/cpuinfo's clock, so the shares of peak here are against the nominal clock, not the boosted one.");
            }
        }
        var pythonKernels = run.Info.GetValueOrDefault("python")?["openblas_corename"]?.GetValue<string>();
        if (ourKernels is not null && pythonKernels is not null)
        {
            text.AppendLine(ourKernels == pythonKernels
                ? $"- Ours and python3-torch ran the same OpenBLAS kernels: both processes' OpenBLAS reports {ourKernels}."
                : $"- **Not the same kernels:** ours' OpenBLAS reports {ourKernels}, python3-torch's {pythonKernels}; their ratios compare different BLAS kernels.");
        }
    }

    private sealed record HeadlineRatio(string Op, double Ratio);

    private static (HeadlineRatio? Worst, List<string> Missing) Headline(BenchmarkRun run)
    {
        // An op left out of this run (CPU_KERNELS_OPS) counts as missing too: the line then covers fewer ops than the issue asks.
        var ratios = OperationCatalog.Headline.Select(op => (op, ratio: Ratio(run, op, "modern"))).ToList();
        var worst = ratios.Where(r => r.ratio is not null).OrderByDescending(r => r.ratio).Select(r => new HeadlineRatio(r.op, r.ratio!.Value)).FirstOrDefault();
        return (worst, [.. ratios.Where(r => r.ratio is null).Select(r => r.op)]);
    }

    private static OpTimings? Timing(BenchmarkRun run, string op, string side) => run.Timings.GetValueOrDefault((op, side));

    private static double? Ratio(BenchmarkRun run, string op, string other) =>
        Timing(run, op, "ours") is { HasData: true } ours && Timing(run, op, other) is { HasData: true } theirs ? ours.Median / theirs.Median : null;

    private static string RatioText(BenchmarkRun run, string op, string other) => Ratio(run, op, other) is double r ? r.ToString("F3", CultureInfo.InvariantCulture) : "n/a";

    private static string Compare(double ratio) => ratio < 1 ? $"{1 / ratio:F2}× as fast" : $"{ratio:F2}× as slow";

    private static string Ms(double value) => value < 100 ? value.ToString("F2", CultureInfo.InvariantCulture) : value.ToString("F1", CultureInfo.InvariantCulture);

    private static string? Text(JsonObject json, string name) => json[name] is JsonValue value && value.TryGetValue(out string? text) ? text : null;

    private static double Number(JsonObject json, string name) => json[name] is JsonValue value && value.TryGetValue(out double number) ? number : double.NaN;

    private static string Files(JsonObject json) =>
        json["blas_files"] is JsonArray files ? string.Join(", ", files.Select(f => f!.GetValue<string>()).Where(f => !f.Contains("dnnl", StringComparison.Ordinal)).Select(Path.GetFileName)) : "";

    /// <summary>Keeps a value inside one markdown table cell.</summary>
    private static string Cell(string? value) => (value ?? "").Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal).Trim();
}
