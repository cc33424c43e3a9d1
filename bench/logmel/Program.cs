using Cluster.Bench;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Cluster.Speech.Features;
using static Cluster.Torch.torch;

// C# side of the log-Mel benchmark. Same inputs (written by logmel_reference.py) and method: warm
// up 3 calls, calibrate N so one repeat takes >= 0.5 s, time 7 repeats, report the median ms per call.
// With --python-json it also writes the side-by-side report ending in the RESULT line.

var threads = 1;
string? inputs = null, referenceFeatures = null, pythonJson = null, report = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--threads": threads = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--inputs": inputs = args[++i]; break;
        case "--reference-features": referenceFeatures = args[++i]; break;
        case "--python-json": pythonJson = args[++i]; break;
        case "--report": report = args[++i]; break;
        default: Console.Error.WriteLine($"logmel-bench: unknown argument '{args[i]}'"); return 2;
    }
}
if (inputs is null) { Console.Error.WriteLine("logmel-bench: --inputs PATH is required (logmel_reference.py writes it)"); return 2; }

// Our extractor is single-threaded by construction; the thread count is set for the libtorch rows.
set_num_threads(threads);
const int clipSamples = LogMelSpectrogram.ChunkSamples;
var samples = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(inputs)).ToArray();
var clips = Enumerable.Range(0, samples.Length / clipSamples).Select(i => samples.AsSpan(i * clipSamples, clipSamples).ToArray()).ToList();
if (clips.Count != 16 || samples.Length % clipSamples != 0) { Console.Error.WriteLine($"logmel-bench: {inputs} does not hold 16 clips of 30 s"); return 1; }
var single = clips[0];
var mel80 = new LogMelSpectrogram(new LogMelOptions { NMels = 80 });
var mel128 = new LogMelSpectrogram(new LogMelOptions { NMels = 128 });

var runtime = $"Cluster.Speech.Features (C#, .NET {Environment.Version}, Vector<float> of {System.Numerics.Vector<float>.Count} lanes)";
Console.WriteLine($"{runtime}, threads={threads}");
var compared = new (string Name, string Label, double AudioSeconds, Action<long> Loop)[]
{
    ("single_80", "one 30 s clip, 80 mels", 30, n => { for (long i = 0; i < n; i++) mel80.Compute(single); }),
    ("batch16_80", "batch of 16 × 30 s, 80 mels", 480, n => { for (long i = 0; i < n; i++) mel80.ComputeBatch(clips); }),
    ("single_128", "one 30 s clip, 128 mels", 30, n => { for (long i = 0; i < n; i++) mel128.Compute(single); }),
    ("batch16_128", "batch of 16 × 30 s, 128 mels", 480, n => { for (long i = 0; i < n; i++) mel128.ComputeBatch(clips); }),
};
var ours = new Dictionary<string, double>();
foreach (var (name, _, _, loop) in compared)
{
    ours[name] = MedianTimer.SecondsPerIteration(loop, warmupIterations: 3, minRepeatSeconds: 0.5, firstGuess: 1) * 1e3;
    Console.WriteLine($"{name,-14} {ours[name],10:F3} ms");
}

// Ours only: no result allocation, half output, a short clip in padded mode, and libtorch's stft
// alone (the FFT stage of the reference, through our binding) for comparison with our whole pipeline.
var shortClip = single.AsSpan(0, 5 * LogMelSpectrogram.SampleRate).ToArray();
using var clipTensor = tensor<float>(single);
using var window = hann_window(LogMelSpectrogram.NFft);
var reused = new float[80 * LogMelSpectrogram.ChunkFrames];
var extra = new (string Label, double AudioSeconds, Action<long> Loop)[]
{
    ("one 30 s clip, 80 mels, into a reused buffer (Compute(samples, destination))", 30, n => { for (long i = 0; i < n; i++) mel80.Compute(single, reused); }),
    ("one 30 s clip, 80 mels, float16 output (ComputeHalf)", 30, n => { for (long i = 0; i < n; i++) mel80.ComputeHalf(single); }),
    ("one 5 s clip padded to 30 s, 80 mels (silent frames skip the FFT)", 5, n => { for (long i = 0; i < n; i++) mel80.Compute(shortClip); }),
    ("libtorch torch.stft alone of one 30 s clip, via Cluster.Torch", 30, n =>
    {
        for (long i = 0; i < n; i++) stft(clipTensor, LogMelSpectrogram.NFft, LogMelSpectrogram.HopLength, window: window).Dispose();
    }),
};
var extraMs = new List<double>();
foreach (var (label, _, loop) in extra)
{
    extraMs.Add(MedianTimer.SecondsPerIteration(loop, warmupIterations: 3, minRepeatSeconds: 0.5, firstGuess: 1) * 1e3);
    Console.WriteLine($"{label}: {extraMs[^1]:F3} ms");
}

if (pythonJson is null || report is null || referenceFeatures is null) return 0;
using var document = JsonDocument.Parse(File.ReadAllText(pythonJson));
var pythonRuntime = document.RootElement.GetProperty("runtime").GetString();
var pythonThreads = document.RootElement.GetProperty("threads").GetInt32();
var python = document.RootElement.GetProperty("cases_ms").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
if (pythonThreads != threads) { Console.Error.WriteLine($"logmel-bench: python ran with {pythonThreads} threads, we ran with {threads}"); return 1; }

// Same samples, same features: the speed comparison is only meaningful if the outputs agree.
var expected = MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(referenceFeatures)).ToArray();
var actual = mel80.Compute(single);
if (expected.Length != actual.Length) { Console.Error.WriteLine("logmel-bench: reference features have another shape"); return 1; }
var maxError = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();

var text = new StringBuilder();
var invariant = CultureInfo.InvariantCulture;
text.AppendLine("# Whisper log-Mel front end: Cluster.Speech.Features vs python3-torch");
text.AppendLine();
text.AppendLine(invariant, $"Same machine, same run, same generated inputs (noise + tones, 30 s clips at 16 kHz), {threads} thread(s). Median ms per call of 7 timed repeats (each ≥ 0.5 s) after 3 warm-up calls.");
text.AppendLine(invariant, $"Ours: {runtime}. Peer: {pythonRuntime} (Debian), Whisper's audio.py front end (`torch.stft` + dense mel matrix from mel_filters.npz, max per utterance). Machine: {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}; other processes may share it.");
text.AppendLine("Produced by `bench/logmel/run.sh`.");
text.AppendLine();
text.AppendLine("| case | ours (ms) | python (ms) | ratio | ours (audio s / s) | python (audio s / s) |");
text.AppendLine("|---|---:|---:|---:|---:|---:|");
foreach (var (name, label, audioSeconds, _) in compared)
{
    text.AppendLine(invariant, $"| {label} | {ours[name]:F3} | {python[name]:F3} | {ours[name] / python[name]:F3} | {audioSeconds / (ours[name] / 1e3):F0} | {audioSeconds / (python[name] / 1e3):F0} |");
}
text.AppendLine();
text.AppendLine("Ours only:");
text.AppendLine();
text.AppendLine("| case | ms | audio s / s |");
text.AppendLine("|---|---:|---:|");
for (var i = 0; i < extra.Length; i++)
    text.AppendLine(invariant, $"| {extra[i].Label} | {extraMs[i]:F3} | {extra[i].AudioSeconds / (extraMs[i] / 1e3):F0} |");
text.AppendLine();
text.AppendLine(invariant, $"Agreement on the benchmark's clip 0 (80 mels): max |ours − python| = {maxError:E2}.");
text.AppendLine();
text.AppendLine(invariant, $"Where the time goes: the reference spends most of its time in the dense [n_mels, 201] × [201, frames] mel matmul; ours applies each filter to its own few bins (at most 14). Ours computes the FFT itself, in double, one frame per SIMD lane: libtorch's stft alone takes {extraMs[^1] / extraMs[0]:F1}× our whole pipeline writing into a reused buffer (that row, like torch.stft timed in python, is bimodal from one process to the next on this machine: about 2 or 7 ms). Returning a fresh 1 MB array per clip costs {ours["single_80"] - extraMs[0]:F2} ms of allocation and GC work on top (the single-clip rows include it).");
var ratio = Math.Max(ours["single_80"] / python["single_80"], ours["batch16_80"] / python["batch16_80"]);
text.AppendLine();
text.AppendLine(invariant, $"The ratio is our time / python time; the RESULT is the worse of the 80-mel single-clip and batch ratios (below 1 means we are faster).");
text.AppendLine();
text.AppendLine(invariant, $"RESULT logmel ratio={ratio:F3} target=0.67");
File.WriteAllText(report, text.ToString());
Console.WriteLine(text.ToString());
return 0;
