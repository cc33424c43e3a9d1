using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Bench.TrainStep;

/// <summary>
/// train_step.py running under Debian's python3-torch as a child process, driven one JSON line at a time so
/// its steps can alternate with ours in the same run. It waits on stdin between requests, so it takes no CPU
/// while our side is timed.
/// </summary>
internal sealed class PythonPeer : IDisposable
{
    private readonly Process process;

    public PythonPeer(string interpreter, string script, int threads, int gridNetSamples)
    {
        var start = new ProcessStartInfo(interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add("--threads");
        start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add("--gridnet-samples");
        start.ArgumentList.Add(gridNetSamples.ToString(CultureInfo.InvariantCulture));
        process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {interpreter} {script}");
        var hello = ReadReply("startup");
        Runtime = hello["runtime"]!.GetValue<string>();
        Threads = hello["threads"]!.GetValue<int>();
    }

    public string Runtime { get; }

    public int Threads { get; }

    public long Setup(string model) => Request(new JsonObject { ["cmd"] = "setup", ["model"] = model })["parameters"]!.GetValue<long>();

    public IReadOnlyList<StepTiming> Steps(string model, int count)
    {
        var reply = Request(new JsonObject { ["cmd"] = "steps", ["model"] = model, ["n"] = count });
        double[] Column(string key) => reply[key]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var (total, forward, backward, optimizer) = (Column("ms"), Column("forward_ms"), Column("backward_ms"), Column("optimizer_ms"));
        return [.. Enumerable.Range(0, total.Length).Select(i => new StepTiming(total[i], forward[i], backward[i], optimizer[i]))];
    }

    /// <summary>Hands the memory glibc keeps in its free lists back to the system (malloc_trim).</summary>
    public void ReleaseMemory() => Request(new JsonObject { ["cmd"] = "release" });

    /// <summary>torch.autograd.profiler's table of one step, by self CPU time.</summary>
    public string Profile(string model, int rows) =>
        Request(new JsonObject { ["cmd"] = "profile", ["model"] = model, ["rows"] = rows })["table"]!.GetValue<string>();

    private JsonObject Request(JsonObject request)
    {
        process.StandardInput.WriteLine(request.ToJsonString());
        process.StandardInput.Flush();
        var reply = ReadReply(request["cmd"]!.GetValue<string>());
        if (reply["error"] is { } error) throw new InvalidOperationException($"train_step.py: {error.GetValue<string>()}");
        return reply;
    }

    private JsonObject ReadReply(string what)
    {
        var line = process.StandardOutput.ReadLine()
            ?? throw new InvalidOperationException($"train_step.py exited before answering '{what}' (its error is above)");
        return JsonNode.Parse(line) as JsonObject ?? throw new JsonException($"train_step.py answered '{what}' with something other than a JSON object: {line}");
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.StandardInput.WriteLine("{\"cmd\": \"quit\"}");
            process.StandardInput.Close();
            process.WaitForExit();
        }
        process.Dispose();
    }
}
