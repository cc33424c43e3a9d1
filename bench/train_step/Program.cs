using System.Globalization;
using System.Text;
using Cluster.Bench.TrainStep;
using Cluster.Torch;
using static Cluster.Torch.torch;

// One training step (forward + loss + backward + AdamW) of Whisper with tiny dimensions and of TF-GridNetV2's
// 16 kHz preset, ours against the plain-torch references under Debian's python3-torch, same libtorch and
// thread count, in one run. The sides take turns in rounds (the Python side waits on a pipe while ours runs, and the
// order flips every round) so that load from elsewhere on the machine falls on both alike; in its turn a side runs
// warm-up steps, then timed steps back to back as in training, then hands back the memory it keeps.
//   train-step-bench --threads N [--warmup 1] [--steps 6] [--rounds 2] [--models whisper,gridnet]
//                    [--python /usr/bin/python3] [--script bench/train_step/train_step.py] [--report PATH]
//                    [--profile-python] [--cpu-cache-gb G] (ours; default: as a CPU trainer, half the memory)
//                    [--gridnet-seconds 4] (shorter only where a 4 s step does not fit in memory; the report says so)

var threads = Environment.ProcessorCount;
var warmup = 1;
var steps = 6;
var rounds = 2;
double? cpuCacheGiB = null;
string[] models = ["whisper", "gridnet"];
var python = "/usr/bin/python3";
var gridNetSeconds = 4.0;
var script = Path.Combine("bench", "train_step", "train_step.py");
string? report = null;
var profilePython = false;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--warmup": warmup = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--rounds": rounds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--cpu-cache-gb": cpuCacheGiB = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--models": models = args[++i].Split(','); break;
        case "--python": python = args[++i]; break;
        case "--script": script = args[++i]; break;
        case "--report": report = args[++i]; break;
        case "--profile-python": profilePython = true; break;
        case "--gridnet-seconds": gridNetSeconds = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        default: Console.Error.WriteLine($"train-step-bench: unknown argument '{args[i]}'"); return 2;
    }
}
if (!(gridNetSeconds is > 0 and <= 30))
{
    Console.Error.WriteLine($"train-step-bench: --gridnet-seconds must lie in (0, 30], got {gridNetSeconds}");
    return 2;
}
if (threads < 1 || warmup < 0 || steps < 1 || rounds < 1 || cpuCacheGiB < 0)
{
    Console.Error.WriteLine($"train-step-bench: --threads, --steps and --rounds must be at least 1, --warmup and --cpu-cache-gb at least 0, got {threads}, {steps}, {rounds}, {warmup}, {cpuCacheGiB}");
    return 2;
}
if (models.FirstOrDefault(m => m is not ("whisper" or "gridnet")) is { } unknown)
{
    Console.Error.WriteLine($"train-step-bench: unknown model '{unknown}' in --models (whisper, gridnet)");
    return 2;
}

set_num_threads(threads);
manual_seed(0);
// As a CPU trainer (TrainerCore) sets it up.
CpuMemoryCache.Configure(CpuMemoryCache.LimitFor(cpuCacheGiB, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
var (major, minor, patch) = libtorch_version();
var ourRuntime = $"Cluster.Torch (C#, .NET {Environment.Version}) on libtorch {major}.{minor}.{patch}";
using var peer = new PythonPeer(python, script, threads, (int)Math.Round(gridNetSeconds * 16000));
if (peer.Threads != threads || get_num_threads() != threads)
{
    Console.Error.WriteLine($"train-step-bench: asked for {threads} threads, python runs {peer.Threads}, we run {get_num_threads()}");
    return 1;
}
var loadBefore = File.ReadAllText("/proc/loadavg").Trim();
var cacheLimit = CpuMemoryCache.Stats().MaxCachedBytes;
var stepsPerRound = (steps + rounds - 1) / rounds;
Console.WriteLine($"{ourRuntime} vs {peer.Runtime}, {threads} thread(s), {rounds} round(s) of {warmup} warm-up + {stepsPerRound} timed steps per side");

var results = new List<(TrainingTask task, long pythonParameters, StepTiming[] ours, StepTiming[] theirs)>();
var tasks = new List<TrainingTask>();
try
{
    foreach (var name in models)
    {
        var task = name == "whisper" ? TrainingTask.Whisper() : TrainingTask.GridNet((int)Math.Round(gridNetSeconds * 16000));
        tasks.Add(task);
        var pythonParameters = peer.Setup(name);
        Console.WriteLine($"{name}: {task.ParameterCount:N0} parameters ours, {pythonParameters:N0} python");
        var ours = new List<StepTiming>();
        var theirs = new List<StepTiming>();
        for (var round = 0; round < rounds; round++)
        {
            // Alternate who goes first, so neither side always runs right after the other's memory churn.
            foreach (var side in round % 2 == 0 ? new[] { "ours", "python" } : ["python", "ours"])
            {
                var timed = side == "ours" ? OurBlock(task, warmup, stepsPerRound) : PythonBlock(peer, name, warmup, stepsPerRound);
                (side == "ours" ? ours : theirs).AddRange(timed);
                Console.WriteLine($"{name} round {round + 1}/{rounds}, {side}: {string.Join(", ", timed.Select(t => $"{t.TotalMs:F0}"))} ms");
            }
        }
        results.Add((task, pythonParameters, [.. ours], [.. theirs]));
        if (profilePython) Console.WriteLine($"python profile of one {name} step:\n{peer.Profile(name, 30)}");
        // The next model's activations need the memory (TF-GridNetV2 at 4 s takes tens of GB per side).
        tasks.Remove(task);
        task.Dispose();
    }
}
finally
{
    foreach (var task in tasks) task.Dispose();
}
var loadAfter = File.ReadAllText("/proc/loadavg").Trim();

// A block is warm-up steps, then timed steps, then each side hands the memory it keeps back to the system (untimed):
// ours the CPU memory cache a trainer keeps (CpuMemoryCache), python glibc's free lists (malloc_trim). Steps inside a
// block run as in training, one after another in one process; between blocks the other side gets the memory.
static StepTiming[] OurBlock(TrainingTask task, int warmup, int timed)
{
    for (var i = 0; i < warmup; i++) task.Step();
    var timings = Enumerable.Range(0, timed).Select(_ => task.Step()).ToArray();
    CpuMemoryCache.Empty();
    return timings;
}

static StepTiming[] PythonBlock(PythonPeer peer, string name, int warmup, int timed)
{
    var timings = peer.Steps(name, warmup + timed).Skip(warmup).ToArray();
    peer.ReleaseMemory();
    return timings;
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
var text = new StringBuilder();
text.AppendLine("# Training step: Cluster.Torch models vs python3-torch references");
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"One step = zero_grad, forward, loss, backward, AdamW step (lr 1e-3, weight decay 0.01), fixed random inputs. Same machine, same run, same libtorch, {threads} thread(s) on both sides. The sides take turns in {rounds} round(s) (the order flips every round); in its turn a side runs {warmup} warm-up step(s), then {stepsPerRound} timed steps back to back as in training, then gives back the memory it keeps (untimed), so the other side has the machine's memory. Medians in ms over {rounds * stepsPerRound} timed steps per side; forward includes the loss; freeing the step's tensors counts in the step on both sides.");
text.AppendLine(CultureInfo.InvariantCulture, $"Memory: ours keeps freed CPU tensor memory for the next step as a CPU trainer does (`CpuMemoryCache`, limit {cacheLimit / (double)(1L << 30):0.#} GiB; given back at the end of a turn); python runs with glibc's default malloc settings, as python3-torch does out of the box (`malloc_trim` at the end of a turn).");
text.AppendLine(CultureInfo.InvariantCulture, $"Ours: {ourRuntime}. Peer: {peer.Runtime} (Debian), running `tests/tools/whisper_reference.py` and `tests/tools/gridnet_reference.py` (checked against the goldens by `tests/tools/check_gridnet_reference.py`).");
text.AppendLine(CultureInfo.InvariantCulture, $"Machine: {cpu}, {Environment.ProcessorCount} cores; load average {loadBefore.Split(' ')[0]} before and {loadAfter.Split(' ')[0]} after ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC). Produced by `bench/train_step/run.sh`.");
if (gridNetSeconds != 4 && models.Contains("gridnet"))
{
    var memoryGiB = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (double)(1L << 30);
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"**Not the specified length:** TF-GridNetV2 ran on {gridNetSeconds:0.##} s mixtures, not 4 s. A 4 s step of the 16 kHz preset at batch 2 holds about 25 GB of activations for backward on the CPU (python3-torch; grows linearly with the length), and this machine has {memoryGiB:F0} GiB; the 4 s figure needs a host with at least 40 GB.");
}
foreach (var (task, pythonParameters, ours, theirs) in results)
{
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"## {task.Name}");
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"{task.Description}. Parameters: {task.ParameterCount:N0} ours, {pythonParameters:N0} python.");
    text.AppendLine();
    text.AppendLine("| side | step | forward + loss | backward | AdamW | fastest step | slowest step |");
    text.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
    foreach (var (side, timings) in new[] { ("ours", ours), ("python", theirs) })
    {
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {side} | {Median(timings.Select(t => t.TotalMs)):F1} | {Median(timings.Select(t => t.ForwardMs)):F1} | {Median(timings.Select(t => t.BackwardMs)):F1} | {Median(timings.Select(t => t.OptimizerMs)):F1} | {timings.Min(t => t.TotalMs):F1} | {timings.Max(t => t.TotalMs):F1} |");
    }
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"Ratio (our median step / python median step): **{Median(ours.Select(t => t.TotalMs)) / Median(theirs.Select(t => t.TotalMs)):F3}**");
}
var worst = results.Max(r => Median(r.ours.Select(t => t.TotalMs)) / Median(r.theirs.Select(t => t.TotalMs)));
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"The result is the worse of the per-model ratios ({string.Join(", ", results.Select(r => r.task.Name))}); below 1 means we are faster.");
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"RESULT train_step ratio={worst:F3} target=1.0");
Console.WriteLine(text);
if (report is not null)
{
    var temporary = report + ".tmp";
    File.WriteAllText(temporary, text.ToString());
    File.Move(temporary, report, overwrite: true);
}
return 0;
