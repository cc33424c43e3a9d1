using System.Globalization;
using System.Text;
using Cluster.Bench.Learning;
using static Cluster.Torch.torch;

// Learning checks for the models: does a tiny Whisper learn to transcribe, does a small TF-GridNetV2
// learn to enhance, on the CPU within a few minutes each? Writes bench/results/learning.md.
//   learning-bench [whisper|gridnet|all] --minutes 10 --tokenizer PATH --report PATH

var which = "all";
var minutes = 10.0;
var tokenizer = Path.Combine("tests", "Speech.Tests", "Fixtures", "whisper-assets", "multilingual.tiktoken");
string? report = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "whisper" or "gridnet" or "all": which = args[i]; break;
        case "--minutes": minutes = double.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--tokenizer": tokenizer = args[++i]; break;
        case "--report": report = args[++i]; break;
        default: Console.Error.WriteLine($"learning-bench: unknown argument '{args[i]}'"); return 2;
    }
}
set_num_threads(Environment.ProcessorCount);
var results = new List<LearningResult>();
if (which is "whisper" or "all") results.Add(WhisperLearning.Run(tokenizer, minutes, seed: 1));
if (which is "gridnet" or "all") results.Add(GridNetLearning.Run(minutes, seed: 2));

var text = new StringBuilder("# Learning checks\n\n");
text.AppendLine(CultureInfo.InvariantCulture, $"CPU only, {Environment.ProcessorCount} cores, {DateTime.UtcNow:yyyy-MM-dd}; produced by `bench/learning/run.sh`. Each model trains from scratch for a fixed time budget and is scored on held-out data.");
foreach (var result in results)
{
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"## {result.Name}");
    text.AppendLine();
    text.AppendLine(CultureInfo.InvariantCulture, $"- {result.Metric}: **{result.Value:0.###}** (target {result.Target}: {(result.Met ? "met" : "NOT met")}) after {result.Steps} steps in {result.Minutes:F1} min");
    foreach (var line in result.Details) text.AppendLine($"- {line}");
}
text.AppendLine();
foreach (var result in results)
    text.AppendLine(CultureInfo.InvariantCulture, $"RESULT learning {result.Name.Split(' ')[1].ToLowerInvariant()} {result.Metric.Replace(' ', '_')}={result.Value:0.###} met={result.Met.ToString().ToLowerInvariant()}");
Console.WriteLine(text);
if (report is not null) File.WriteAllText(report, text.ToString());
return results.All(r => r.Met) ? 0 : 1;
