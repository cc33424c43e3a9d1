namespace Cluster.Bench.CpuKernels.Ours;

using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cluster.Bench.CpuKernels.Modern;
using Cluster.Torch;
using Cluster.Torch.Cpu;

/// <summary>
/// Times tensor kernels and training steps on Cluster.Torch, with the setup a CPU trainer gets by default: the BLAS
/// kernels BlasKernels checks and chooses before libtorch loads, and CpuMemoryCache at a trainer's limit. Protocol:
/// one JSON object per line on stdout, diagnostics on stderr (the contract of ../modern).
/// </summary>
public static class Program
{
    private const ulong Seed = 0;

    public static int Main(string[] args)
    {
        // First of all, before the shim is loaded and anything native could print to stdout.
        using var protocol = ProtocolOutput.TakeStandardOutput();
        KernelRequest request;
        try
        {
            request = KernelRequest.Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"cpu-kernels-ours: {e.Message}\n{KernelRequest.Usage}");
            return 2;
        }

        var kernels = BlasKernels.Ensure();
        // As TrainerCore sets it up: freed CPU tensor memory is kept for the next step, up to half the memory.
        CpuMemoryCache.Configure(CpuMemoryCache.LimitFor(null, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        var (major, minor, patch) = torch.libtorch_version();
        string runtime = $"Cluster.Torch (C#, .NET {Environment.Version}) on libtorch {major}.{minor}.{patch}";
        Console.Error.WriteLine($"cpu-kernels-ours: {runtime}; BLAS kernels: {kernels.Explanation}; OpenBLAS reports {LoadedBlas.CoreName() ?? "no core name"}");
        if (request.Info)
        {
            protocol.WriteLine(Json(writer =>
            {
                writer.WriteString("runtime", runtime);
                writer.WriteString("libtorch", $"{major}.{minor}.{patch}");
                writer.WriteNumber("threads", torch.get_num_threads());
                writer.WriteString("blas_kernels", kernels.Kernels);
                if (kernels.CoreType is { } coreType)
                {
                    writer.WriteString("openblas_coretype", coreType);
                }
                writer.WriteString("blas_source", kernels.Source.ToString());
                writer.WriteString("blas_explanation", kernels.Explanation);
                if (kernels.Warning is { } warning)
                {
                    writer.WriteString("blas_warning", warning);
                }
                WriteOptional(writer, "openblas_corename", LoadedBlas.CoreName());
                WriteOptional(writer, "openblas_config", LoadedBlas.Config());
                writer.WriteStartArray("blas_files");
                foreach (string file in LoadedBlas.MappedFiles())
                {
                    writer.WriteStringValue(file);
                }
                writer.WriteEndArray();
                writer.WriteNumber("cpu_memory_cache_bytes", CpuMemoryCache.Stats().MaxCachedBytes);
                writer.WriteString("config", torch.build_config());
            }));
            return 0;
        }

        torch.set_num_threads(request.Threads);
        torch.manual_seed(Seed);
        using var operation = Operations.Create(request);
        if (operation.ParameterCount is long parameters)
        {
            Console.Error.WriteLine($"cpu-kernels-ours: {request.Op}: {parameters:N0} parameters");
        }
        var milliseconds = Measure(request.Op, operation, request.Warmup, request.Repeats);
        Console.Error.WriteLine($"cpu-kernels-ours: {request.Op} at {torch.get_num_threads()} threads: median {Median(milliseconds):F2} ms of {milliseconds.Length}");
        protocol.WriteLine(Json(writer =>
        {
            writer.WriteString("op", request.Op);
            writer.WriteNumber("threads", request.Threads);
            writer.WriteStartArray("ms");
            foreach (double ms in milliseconds)
            {
                writer.WriteNumberValue(ms);
            }
            writer.WriteEndArray();
            if (operation.ParameterCount is long count)
            {
                writer.WriteNumber("parameters", count);
            }
        }));
        return 0;
    }

    /// <summary>Wall-clock of each timed repetition after the untimed warm-ups; the untimed preparation runs before every one.</summary>
    private static double[] Measure(string op, ITimedOperation operation, int warmup, int repeats)
    {
        var milliseconds = new double[repeats];
        for (int i = -warmup; i < repeats; i++)
        {
            operation.Prepare();
            var cpuBefore = Environment.CpuUsage.TotalTime;
            long start = Stopwatch.GetTimestamp();
            operation.Run();
            long end = Stopwatch.GetTimestamp();
            double cpu = (Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds;
            double ms = (end - start) * 1000.0 / Stopwatch.Frequency;
            if (i >= 0)
            {
                milliseconds[i] = ms;
            }
            // Process CPU time next to wall-clock: on a busy machine it tells whether the work or the machine changed.
            string label = i < 0 ? "warm-up" : $"repetition {i + 1}";
            string detail = operation.Detail.Length > 0 ? $" = {operation.Detail}" : "";
            Console.Error.WriteLine($"cpu-kernels-ours: {op} {label}: {ms:F1} ms{detail}; process CPU {cpu:F1} ms");
        }
        return milliseconds;
    }

    private static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static string Json(Action<Utf8JsonWriter> body)
    {
        // Relaxed escaping keeps the config text readable ('+' not \u002B); the output is still plain JSON.
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
