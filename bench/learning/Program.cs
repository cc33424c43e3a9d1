using System.Globalization;
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

var text = LearningReport.Merge(report is not null && File.Exists(report) ? File.ReadAllText(report) : null, results);
Console.WriteLine(text);
if (report is not null)
{
    // Written beside the report and renamed over it, so an interrupted run never leaves half a report.
    File.WriteAllText(report + ".tmp", text);
    File.Move(report + ".tmp", report, overwrite: true);
}
return results.All(r => r.Met) ? 0 : 1;
