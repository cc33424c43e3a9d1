namespace Cluster.Bench.CpuKernels.Modern;

using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using TorchSharp;

/// <summary>
/// Times tensor kernels and training steps on stock libtorch (through TorchSharp) as the "modern libtorch"
/// reference of the CPU benchmark. Protocol: one JSON object per line on stdout, diagnostics on stderr.
/// </summary>
public static class Program
{
    private const long Seed = 0;

    public static int Main(string[] args)
    {
        // First of all, before any native library is loaded and could print to stdout.
        using var protocol = ProtocolOutput.TakeStandardOutput();
        BenchRequest request;
        try
        {
            request = BenchRequest.Parse(args);
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"modern-bench: {e.Message}\n{BenchRequest.Usage}");
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
        if (operation.ParameterCount is long parameters)
        {
            Console.Error.WriteLine($"modern-bench: {request.Op}: {parameters:N0} parameters");
        }
        var milliseconds = Measure(request.Op, operation, request.Warmup, request.Repeats);
        Console.Error.WriteLine($"modern-bench: {request.Op} at {torch.get_num_threads()} threads: median {Median(milliseconds):F2} ms of {milliseconds.Length}");
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
            Console.Error.WriteLine($"modern-bench: {op} {label}: {ms:F1} ms{detail}; process CPU {cpu:F1} ms");
        }
        return milliseconds;
    }

    /// <summary>Names the build on stderr (and, for --info, in the protocol), so a report can say what ran.</summary>
    private static void DescribeBuild(ProtocolOutput protocol, bool printInfoLine)
    {
        string config = LibTorchBuild.Config();
        string libtorch = LibTorchBuild.LibTorchVersion(config);
        string torchSharp = LibTorchBuild.TorchSharpVersion();
        int threads = torch.get_num_threads();
        Console.Error.WriteLine($"modern-bench: libtorch {libtorch} via TorchSharp {torchSharp}; {threads} threads by default; " +
            $"MKL {Availability(LibTorchBuild.HasMkl())}, oneDNN (MKL-DNN) {Availability(LibTorchBuild.HasMklDnn())}");
        if (!printInfoLine)
        {
            return;
        }
        Console.Error.Write(config);
        Console.Error.Write(LibTorchBuild.ParallelInfo());
        protocol.WriteLine(Json(writer =>
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
