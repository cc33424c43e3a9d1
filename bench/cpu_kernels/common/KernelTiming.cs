namespace Cluster.Bench.CpuKernels;

using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;

/// <summary>One thing a side times: a bare kernel or a model's training step.</summary>
internal interface ITimedOperation : IDisposable
{
    /// <summary>Trainable parameters of a model step; null for a bare kernel.</summary>
    long? ParameterCount { get; }

    /// <summary>Untimed work between repetitions (clearing gradients).</summary>
    void Prepare();

    /// <summary>One timed repetition, including the release of every tensor it made, as Python frees them within the step.</summary>
    void Run();

    /// <summary>What the last repetition's parts took, for stderr; empty when there is nothing to add.</summary>
    string Detail => "";
}

/// <summary>The timing loop and the protocol's JSON lines, the same for both C# sides so they time alike.</summary>
internal static class KernelTiming
{
    /// <summary>Times the request's operation and returns its result line: <c>{"op","threads","ms":[...],("parameters")}</c>.</summary>
    public static string Time(string program, BenchRequest request, ITimedOperation operation, Func<int> threadsInUse)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.ParameterCount is long parameters)
        {
            Console.Error.WriteLine($"{program}: {request.Op}: {parameters:N0} parameters");
        }
        var milliseconds = Measure(program, request.Op, operation, request.Warmup, request.Repeats);
        Console.Error.WriteLine($"{program}: {request.Op} at {threadsInUse()} threads: median {Median(milliseconds):F2} ms of {milliseconds.Length}");
        return Json(writer =>
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
        });
    }

    /// <summary>One JSON object on one line.</summary>
    public static string Json(Action<Utf8JsonWriter> body)
    {
        ArgumentNullException.ThrowIfNull(body);
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

    /// <summary>Wall-clock of each timed repetition after the untimed warm-ups; the untimed preparation runs before every one.</summary>
    private static double[] Measure(string program, string op, ITimedOperation operation, int warmup, int repeats)
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
            Console.Error.WriteLine($"{program}: {op} {label}: {ms:F1} ms{detail}; process CPU {cpu:F1} ms");
        }
        return milliseconds;
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
