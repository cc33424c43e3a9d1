using System.CommandLine;
using Cluster.Coordinator.Cli;
using Cluster.Coordinator.DataCommands;
using Cluster.Coordinator.Demo;
using Cluster.Shared.Cli;

namespace Cluster.Coordinator;

/// <summary>
/// The <c>cluster</c> command line. Every command of the design is listed so <c>--help</c> shows the
/// whole tool; those not built yet say so and exit with <see cref="ExitCodes.NotBuilt"/>.
/// </summary>
public static class CommandLineApp
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("Distributed, actor-based training of speech models (Whisper, TF-GridNetV2) on libtorch.");
        root.Subcommands.Add(DemoCommand(output, error));
        root.Subcommands.Add(JobCommandLine.Train(output, error));
        root.Subcommands.Add(JobCommandLine.Status(output, error));
        root.Subcommands.Add(JobCommandLine.Scale(output, error));
        root.Subcommands.Add(JobCommandLine.Simple("pause", "Pause the running job (the group is torn down; resume continues from the latest checkpoint).", output, error));
        root.Subcommands.Add(JobCommandLine.Simple("resume", "Resume a paused job from its latest checkpoint.", output, error));
        root.Subcommands.Add(JobCommandLine.Simple("stop", "Stop the running job.", output, error));
        root.Subcommands.Add(Planned("eval", "Evaluate a checkpoint (WER/CER or SI-SNRi).", "the Whisper and TF-GridNetV2 models", error));
        var data = new Command("data", "Dataset tools.");
        data.Subcommands.Add(DataCommandLine.Validate(output, error));
        data.Subcommands.Add(DataCommandLine.Prepare(output, error));
        data.Subcommands.Add(DataCommandLine.Synth(output, error));
        root.Subcommands.Add(data);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        return root.Parse(args).Invoke(configuration);
    }

    private static Command Planned(string name, string description, string arrivesWith, TextWriter error)
    {
        var command = new Command(name, description + " (not built yet)");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(_ => NotBuilt.Report(error, $"cluster {name}", arrivesWith));
        return command;
    }

    private static Command DemoCommand(TextWriter output, TextWriter error)
    {
        var steps = new Option<int>("--steps") { Description = "Optimizer steps", DefaultValueFactory = _ => DemoOptions.Default.Steps };
        var seed = new Option<ulong>("--seed") { Description = "Random seed (corpus, data plan, model)", DefaultValueFactory = _ => DemoOptions.Default.Seed };
        var outputDirectory = new Option<string>("--out") { Description = "Where the corpus, the job spec and the checkpoints are written", DefaultValueFactory = _ => DemoOptions.Default.OutputDirectory };
        var utterances = new Option<int>("--utterances") { Description = "Utterances to synthesize", DefaultValueFactory = _ => DemoOptions.Default.Utterances };
        var dataNodes = new Option<int>("--data-nodes") { Description = "DataNodes", DefaultValueFactory = _ => DemoOptions.Default.DataNodes };
        var gpuNodes = new Option<int>("--gpu-nodes") { Description = "GpuNodes (CPU trainers)", DefaultValueFactory = _ => DemoOptions.Default.GpuNodes };
        var command = new Command("demo", "Synthesize a small Mandarin corpus and train a tiny Whisper on it with DataNodes and GpuNodes on the CPU.");
        foreach (Option option in new Option[] { steps, seed, outputDirectory, utterances, dataNodes, gpuNodes }) command.Options.Add(option);
        command.SetAction(result =>
        {
            var options = new DemoOptions(result.GetValue(steps), result.GetValue(seed), result.GetValue(outputDirectory)!,
                result.GetValue(utterances), result.GetValue(dataNodes), result.GetValue(gpuNodes));
            var problems = options.Validate();
            if (problems.Count > 0)
            {
                foreach (var problem in problems) error.WriteLine($"cluster demo: {problem}");
                return ExitCodes.Usage;
            }
            return WhisperDemo.Run(options, output, error);
        });
        return command;
    }
}
