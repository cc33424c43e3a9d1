using System.Diagnostics;
using System.Globalization;
using System.Text;
using Cluster.Speech.Features;

// Decode + resample + Whisper log-Mel of long FLAC files, streamed in 30 s windows, in a process of
// its own so its peak resident memory (VmHWM) is the pipeline's alone. Reports real-time factor
// per core (audio seconds per CPU second; everything here runs on one thread).
//   stream-bench --report bench/results/stream.md FILE...   (files made by run.sh)

string? report = null;
var files = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    if (args[i] == "--report") report = args[++i];
    else files.Add(args[i]);
}
if (files.Count == 0) { Console.Error.WriteLine("stream-bench: give the FLAC files to stream"); return 2; }

var rows = new List<(string file, double audio, double wall, double cpu)>();
var streaming = new StreamingLogMel();
foreach (var file in files)
{
    var process = Process.GetCurrentProcess();
    var cpuBefore = process.TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    double audioSeconds = 0;
    foreach (var window in streaming.Windows(file)) audioSeconds += window.SampleCount / 16000.0;
    clock.Stop();
    process.Refresh();
    var cpu = (process.TotalProcessorTime - cpuBefore).TotalSeconds;
    rows.Add((Path.GetFileName(file), audioSeconds, clock.Elapsed.TotalSeconds, cpu));
    Console.WriteLine($"{Path.GetFileName(file)}: {audioSeconds:F0} s of audio in {clock.Elapsed.TotalSeconds:F2} s wall, {cpu:F2} s CPU");
}
var peakMb = PeakResidentMegabytes();
var worst = rows.Min(r => r.audio / r.cpu);

var text = new StringBuilder();
text.AppendLine("# Streaming decode + resample + log-Mel");
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"libsndfile FLAC decoding, libsoxr resampling to 16 kHz where needed, Whisper 80-bin log-Mel in 30 s windows (`StreamingLogMel`), one thread, {DateTime.UtcNow:yyyy-MM-dd}, {Environment.ProcessorCount}-core machine. Produced by `bench/stream/run.sh`.");
text.AppendLine();
text.AppendLine("| file | audio (s) | wall (s) | CPU (s) | × real time per core |");
text.AppendLine("|---|---:|---:|---:|---:|");
foreach (var (file, audio, wall, cpu) in rows)
    text.AppendLine(CultureInfo.InvariantCulture, $"| {file} | {audio:F0} | {wall:F2} | {cpu:F2} | {audio / cpu:F0} |");
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"Peak resident memory of the whole process (VmHWM, .NET runtime included): {peakMb:F0} MB (bound 200 MB).");
text.AppendLine();
text.AppendLine(CultureInfo.InvariantCulture, $"RESULT stream realtime_per_core={worst:F0} target=1000 peak_rss_mb={peakMb:F0} bound=200");
Console.WriteLine(text);
if (report is not null) File.WriteAllText(report, text.ToString());
return 0;

static double PeakResidentMegabytes()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    return double.NaN;
}
