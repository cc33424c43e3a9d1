using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using Cluster.Torch.Interop;

namespace Cluster.Torch.Cpu;

/// <summary>
/// Applies <see cref="BlasKernelPolicy"/> once per process, before the shim (and with it libtorch and libblas.so.3)
/// loads: OpenBLAS reads OPENBLAS_CORETYPE with the C library's <c>getenv</c> when it initialises, which .NET's
/// Environment.SetEnvironmentVariable does not reach, so the choice is written to both. Child processes started after
/// it inherit it (.NET passes its own copy of the environment), and do not probe again.
/// </summary>
public static class BlasKernels
{
    public const string ProbeName = "cluster-blas-probe";

    private static readonly TimeSpan ProbeLimit = TimeSpan.FromSeconds(30);
    private static readonly Lock Gate = new();
    private static BlasKernelChoice? current;

    /// <summary>Decides and applies the kernels if that has not happened yet. Called before libtorch loads, and by a
    /// launcher before it starts nodes, so the probe runs once for them all.</summary>
    public static BlasKernelChoice Ensure()
    {
        lock (Gate)
        {
            if (current is not null) return current;
            string? probe = FindProbe();
            BlasKernelChoice choice = BlasKernelPolicy.Decide(Environment.GetEnvironmentVariable, CpuInfo.Read(),
                probe is null ? null : coreType => Probe(probe, coreType));
            if (choice.CoreType is { } coreType) Set(BlasKernelChoice.CoreTypeVariable, coreType);
            if (choice.Source is BlasKernelSource.Chosen or BlasKernelSource.Library or BlasKernelSource.Safe)
                Set(BlasKernelChoice.ChoiceVariable, choice.CoreType ?? choice.Kernels);
            if (choice.Warning is { } warning) Console.Error.WriteLine($"cluster: BLAS kernels: {warning}");
            current = choice;
            return choice;
        }
    }

    /// <summary>The probe beside the shim, or null when this install has none (a prebuilt shim without it).</summary>
    public static string? FindProbe()
    {
        foreach (string directory in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(typeof(BlasKernels).Assembly.Location) ?? "" })
        {
            string path = Path.Combine(directory, ProbeName);
            if (directory.Length > 0 && File.Exists(path)) return path;
        }

        return null;
    }

    /// <summary>Runs the probe in a process of its own, one thread, with OPENBLAS_CORETYPE set to <paramref name="coreType"/>
    /// (null: unset); <paramref name="measureRepeats"/> &gt; 0 also times sgemm.</summary>
    public static BlasProbeResult Probe(string probe, string? coreType, int measureRepeats = 0, int threads = 1, string? library = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(probe);
        var start = new ProcessStartInfo(probe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (library is not null)
        {
            start.ArgumentList.Add("--library");
            start.ArgumentList.Add(library);
        }

        if (measureRepeats > 0)
        {
            start.ArgumentList.Add("--measure");
            start.ArgumentList.Add(measureRepeats.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (coreType is null) start.Environment.Remove(BlasKernelChoice.CoreTypeVariable);
        else start.Environment[BlasKernelChoice.CoreTypeVariable] = coreType;
        start.Environment["OMP_NUM_THREADS"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OPENBLAS_NUM_THREADS"] = start.Environment["OMP_NUM_THREADS"];
        try
        {
            using Process process = Process.Start(start) ?? throw new InvalidOperationException($"{probe} did not start");
            Task<string> output = process.StandardOutput.ReadToEndAsync();
            Task<string> errors = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(ProbeLimit))
            {
                process.Kill(entireProcessTree: true);
                return BlasProbeResult.Failed($"did not finish within {ProbeLimit.TotalSeconds:0} s");
            }

            process.WaitForExit();
            return Interpret(process.ExitCode, output.Result, errors.Result);
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
        {
            return BlasProbeResult.Failed($"could not be checked ({probe}: {error.Message})");
        }
    }

    /// <summary>Reads the probe's exit code and JSON line (exit codes above 128 are deaths by signal).</summary>
    public static BlasProbeResult Interpret(int exitCode, string output, string errors)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(errors);
        if (exitCode > 128) return BlasProbeResult.Failed($"crashed ({SignalName(exitCode - 128)})");
        if (exitCode == 3) return BlasProbeResult.Failed($"could not be loaded: {errors.Trim()}");
        try
        {
            using JsonDocument document = JsonDocument.Parse(output);
            JsonElement root = document.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            bool right = root.GetProperty("right").GetBoolean();
            double? gflops = root.TryGetProperty("gemm_gflops_best", out JsonElement g) ? g.GetDouble() : null;
            string? failure = right ? null
                : $"computed wrong results (sgemm error {root.GetProperty("sgemm_error").GetDouble():G3}, dgemm error {root.GetProperty("dgemm_error").GetDouble():G3})";
            return new BlasProbeResult(Text("library"), Text("corename"), Text("config"), right && exitCode == 0, failure, gflops);
        }
        catch (Exception error) when (error is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return BlasProbeResult.Failed($"gave no readable answer (exit code {exitCode}: {(output + errors).Trim()})");
        }
    }

    private static string SignalName(int signal) => signal switch
    {
        4 => "SIGILL, an instruction this CPU does not have",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        11 => "SIGSEGV",
        _ => $"signal {signal}",
    };

    private static void Set(string name, string value)
    {
        Environment.SetEnvironmentVariable(name, value);
        if (setenv(name, value, 1) != 0) throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);

    /// <summary>Hooks the shim's loading: the first call into it decides the kernels, before libblas.so.3 is opened.</summary>
#pragma warning disable CA2255 // A module initializer is the one place that runs before any P/Invoke of this library, whoever calls it first.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void HookShimLoading() =>
        NativeLibrary.SetDllImportResolver(typeof(BlasKernels).Assembly, (name, _, _) =>
        {
            if (name == Native.Library) Ensure();
            return IntPtr.Zero;
        });
}
