using System.Diagnostics;
using Cluster.Shared.Cli;
using Cluster.Torch;
using Cluster.Torch.Modules;
using Cluster.Torch.Optim;
using Spectre.Console;
using static Cluster.Torch.torch;

namespace Cluster.Coordinator.Demo;

/// <summary>
/// The embedded demo: trains a small classifier on <see cref="ToneTask"/> on the CPU with AdamW,
/// warmup + cosine decay and gradient clipping, shows progress and the falling loss, checks that it
/// learned, and writes the model as safetensors. Later versions replace it with the cluster demo.
/// </summary>
public static class ToyTrainingDemo
{
    private const int BatchSize = 32;

    public static int Run(DemoOptions options, TextWriter output, TextWriter error)
    {
        set_num_threads(options.Threads);
        manual_seed(options.Seed);
        var task = new ToneTask(options.Seed);
        using var model = nn.Sequential(
            nn.Linear(ToneTask.FeatureSize, 64),
            nn.GELU(),
            nn.Linear(64, task.ClassCount));
        using var optimizer = optim.AdamW(model.named_parameters(), lr: 3e-3, weight_decay: 1e-2);
        var schedule = Schedules.CosineWithWarmup(optimizer, warmupSteps: options.Steps / 10, totalSteps: options.Steps);

        // Live rendering and colour only on a real terminal; logs and pipes get plain lines.
        var terminal = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal) console.Profile.Width = 200;
        console.MarkupLine($"[bold]cluster demo[/]: tone classifier ({task.ClassCount} classes) on the CPU (libtorch {FormatVersion()}, {options.Threads} thread(s)), {options.Steps} steps of batch {BatchSize}");
        var clock = Stopwatch.StartNew();
        var losses = new List<double>(options.Steps);
        void TrainStep()
        {
            using var scope = NewDisposeScope();
            var (features, labels) = task.NextBatch(BatchSize);
            var loss = nn.functional.cross_entropy(model.forward(features), labels);
            optimizer.zero_grad();
            loss.backward();
            nn.utils.clip_grad_norm_(model.parameters(), 1.0);
            optimizer.step();
            schedule.Step();
            losses.Add(loss.item<double>());
        }

        if (console.Profile.Capabilities.Interactive)
        {
            console.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var bar = context.AddTask("training", maxValue: options.Steps);
                    for (var step = 0; step < options.Steps; step++)
                    {
                        TrainStep();
                        bar.Description = $"loss {RecentLoss(losses):F4}";
                        bar.Increment(1);
                    }
                });
        }
        else
        {
            for (var step = 0; step < options.Steps; step++)
            {
                TrainStep();
                if ((step + 1) % Math.Max(1, options.Steps / 10) == 0 || step == 0)
                    output.WriteLine($"step {step + 1,5}/{options.Steps}  loss {RecentLoss(losses):F4}  lr {optimizer.GetLearningRate(0):E2}");
            }
        }

        var accuracy = HeldOutAccuracy(model, options.Seed);
        var first = losses.Take(10).Average();
        var last = RecentLoss(losses);
        console.MarkupLine($"loss {first:F4} → {last:F4} in {clock.Elapsed.TotalSeconds:F1} s; held-out accuracy {accuracy:P1}");

        Directory.CreateDirectory(options.OutputDirectory);
        var modelPath = Path.Combine(options.OutputDirectory, "model.safetensors");
        model.save_safetensors(modelPath);
        console.MarkupLine($"model written to [blue]{Markup.Escape(modelPath)}[/]");

        // The demo checks itself: a loss that did not fall means the stack is broken, not "done".
        if (!(last < first / 4) || accuracy < 0.8)
        {
            error.WriteLine($"cluster demo: training did not learn (loss {first:F4} → {last:F4}, accuracy {accuracy:P1})");
            return ExitCodes.Failure;
        }
        return ExitCodes.Ok;
    }

    private static double RecentLoss(List<double> losses) => losses.Skip(Math.Max(0, losses.Count - 10)).Average();

    private static double HeldOutAccuracy(Sequential model, ulong seed)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        model.eval();
        var (features, labels) = new ToneTask(seed ^ 0x5EED).NextBatch(512);
        var predictions = model.forward(features).argmax(-1);
        return predictions.eq(labels).@float().mean().item<double>();
    }

    private static string FormatVersion()
    {
        var (major, minor, patch) = libtorch_version();
        return $"{major}.{minor}.{patch}";
    }
}
