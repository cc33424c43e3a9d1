namespace Cluster.Bench.CpuKernels.Modern;

using TorchSharp;

/// <summary>
/// Times tensor kernels and training steps on stock libtorch (through TorchSharp) as the "modern libtorch"
/// reference of the CPU benchmark. Protocol: one JSON object per line on stdout, diagnostics on stderr.
/// </summary>
public static class Program
{
    private const long Seed = 0;
    private const string Name = "modern-bench";

    public static int Main(string[] args)
    {
        // First of all, before any native library is loaded and could print to stdout.
        using var protocol = ProtocolOutput.TakeStandardOutput();
        if (BenchRequest.TryParse(args, Name) is not { } request)
        {
            return 2;
        }
        DescribeBuild(protocol, printInfoLine: request.Info);
        if (request.Info)
        {
            return 0;
        }

        torch.set_num_threads(request.Threads);
        torch.manual_seed(Seed);
        using var operation = Operations.Create(request);
        protocol.WriteLine(KernelTiming.Time(Name, request, operation, torch.get_num_threads));
        return 0;
    }

    /// <summary>Names the build on stderr (and, for --info, in the protocol), so a report can say what ran.</summary>
    private static void DescribeBuild(ProtocolOutput protocol, bool printInfoLine)
    {
        string config = LibTorchBuild.Config();
        string libtorch = LibTorchBuild.LibTorchVersion(config);
        string torchSharp = LibTorchBuild.TorchSharpVersion();
        int threads = torch.get_num_threads();
        Console.Error.WriteLine($"{Name}: libtorch {libtorch} via TorchSharp {torchSharp}; {threads} threads by default; " +
            $"MKL {Availability(LibTorchBuild.HasMkl())}, oneDNN (MKL-DNN) {Availability(LibTorchBuild.HasMklDnn())}");
        if (!printInfoLine)
        {
            return;
        }
        Console.Error.Write(config);
        Console.Error.Write(LibTorchBuild.ParallelInfo());
        protocol.WriteLine(KernelTiming.Json(writer =>
        {
            writer.WriteString("libtorch", libtorch);
            writer.WriteString("torchsharp", torchSharp);
            writer.WriteNumber("threads", threads);
            writer.WriteString("config", config);
        }));
    }

    private static string Availability(bool? available) => available switch
    {
        true => "available",
        false => "not available",
        null => "unknown",
    };
}
