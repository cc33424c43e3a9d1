using Cluster.Bench;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Cluster.Torch;
using static Cluster.Torch.torch;

// C# side of the dispatch benchmark. Same ops and method as dispatch.py: warm up 2000 iterations,
// calibrate N so one repeat takes >= 0.2 s, time 7 repeats, report the median µs per iteration.
// With --python-json it also writes the side-by-side report ending in the RESULT line.

var threads = 1;
string? pythonJson = null;
string? report = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--python-json": pythonJson = args[++i]; break;
        case "--report": report = args[++i]; break;
        default: Console.Error.WriteLine($"dispatch-bench: unknown argument '{args[i]}'"); return 2;
    }
}

set_num_threads(threads);
manual_seed(0);

var a16 = randn(16);
var b16 = randn(16);
var a8 = randn(8, 8);
var b8 = randn(8, 8);
var layer = nn.Linear(32, 32);
var x = randn(8, 32);
var parameters = Enumerable.Range(0, 10).Select(i => (name: $"p{i}", parameter: new Parameter(randn(16)))).ToList();
foreach (var (_, p) in parameters) p.grad = randn(16);
var optimizer = optim.AdamW(parameters, lr: 1e-3);

var ops = new (string name, Action<long> loop)[]
{
    ("add16", n => { for (long i = 0; i < n; i++) (a16 + b16).Dispose(); }),
    ("mul16", n => { for (long i = 0; i < n; i++) (a16 * b16).Dispose(); }),
    ("matmul8", n => { for (long i = 0; i < n; i++) a8.matmul(b8).Dispose(); }),
    ("linear_fwd_bwd", n =>
    {
        for (long i = 0; i < n; i++)
        {
            using var scope = NewDisposeScope();
            layer.zero_grad();
            layer.forward(x).sum().backward();
        }
    }),
    ("adamw_step10", n => { for (long i = 0; i < n; i++) optimizer.step(); }),
};

var (major, minor, patch) = libtorch_version();
var runtime = $"Cluster.Torch (C#, .NET {Environment.Version}) on libtorch {major}.{minor}.{patch}";
Console.WriteLine($"{runtime}, threads={threads}");
var ours = new Dictionary<string, double>();
foreach (var (name, loop) in ops)
{
    ours[name] = MedianTimer.SecondsPerIteration(loop, warmupIterations: 2000, minRepeatSeconds: 0.2, firstGuess: 100) * 1e6;
    Console.WriteLine($"{name,-16} {ours[name],10:F3} us");
}

if (pythonJson is null || report is null) return 0;
using var document = JsonDocument.Parse(File.ReadAllText(pythonJson));
var pythonRuntime = document.RootElement.GetProperty("runtime").GetString();
var python = document.RootElement.GetProperty("ops").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
var pythonThreads = document.RootElement.GetProperty("threads").GetInt32();
if (pythonThreads != threads) { Console.Error.WriteLine($"dispatch-bench: python ran with {pythonThreads} threads, we ran with {threads}"); return 1; }

var text = new StringBuilder();
text.AppendLine("# Dispatch overhead: Cluster.Torch vs python3-torch");
text.AppendLine();
text.AppendLine($"Same machine, same run, same libtorch, {threads} thread(s). Median µs per iteration of 7 timed repeats (each ≥ 0.2 s) after 2000 warm-up iterations.");
text.AppendLine($"Ours: {runtime}. Peer: {pythonRuntime} (Debian). Machine: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}.");
text.AppendLine("Produced by `bench/dispatch/run.sh`.");
text.AppendLine();
text.AppendLine("| op | ours (µs) | python (µs) | ratio |");
text.AppendLine("|---|---:|---:|---:|");
var logSum = 0.0;
foreach (var (name, _) in ops)
{
    var ratio = ours[name] / python[name];
    logSum += Math.Log(ratio);
    text.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {ours[name]:F3} | {python[name]:F3} | {ratio:F3} |");
}
var geometricMean = Math.Exp(logSum / ops.Length);
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"The ratio is the geometric mean of the per-op ratios (our time / python time); below 1 means we are faster.");
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"RESULT dispatch ratio={geometricMean:F3} target=0.8");
File.WriteAllText(report, text.ToString());
Console.WriteLine(text.ToString());
return 0;
