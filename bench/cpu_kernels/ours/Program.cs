namespace Cluster.Bench.CpuKernels.Ours;

using System.Text.Json;
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
    private const string Name = "cpu-kernels-ours";

    public static int Main(string[] args)
    {
        // First of all, before the shim is loaded and anything native could print to stdout.
        using var protocol = ProtocolOutput.TakeStandardOutput();
        if (BenchRequest.TryParse(args, Name) is not { } request)
        {
            return 2;
        }

        var kernels = BlasKernels.Ensure();
        // As TrainerCore sets it up: freed CPU tensor memory is kept for the next step, up to half the memory.
        CpuMemoryCache.Configure(CpuMemoryCache.LimitFor(null, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        var (major, minor, patch) = torch.libtorch_version();
        string runtime = $"Cluster.Torch (C#, .NET {Environment.Version}) on libtorch {major}.{minor}.{patch}";
        Console.Error.WriteLine($"{Name}: {runtime}; BLAS kernels: {kernels.Explanation}; OpenBLAS reports {LoadedOpenBlas.CoreName() ?? "no core name"}");
        if (request.Info)
        {
            protocol.WriteLine(KernelTiming.Json(writer =>
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
                WriteOptional(writer, "openblas_corename", LoadedOpenBlas.CoreName());
                WriteOptional(writer, "openblas_config", LoadedOpenBlas.Config());
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
        protocol.WriteLine(KernelTiming.Time(Name, request, operation, torch.get_num_threads));
        return 0;
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
}
