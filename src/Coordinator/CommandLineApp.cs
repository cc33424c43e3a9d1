using System.CommandLine;
using Cluster.Coordinator.Cli;
using Cluster.Coordinator.DataCommands;
using Cluster.Coordinator.Demo;
using Cluster.Coordinator.Evaluation;
using Cluster.Shared.Cli;

namespace Cluster.Coordinator;

/// <summary>
/// The <c>cluster</c> command line. A command line that does not parse (an unknown command or option, a value of
/// the wrong type) exits with <see cref="ExitCodes.Usage"/>, like the commands' own checks of their options.
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
        root.Subcommands.Add(JobCommandLine.Halting("pause", "Pause the running job: its current step is checkpointed, then the group is torn down; resume continues from there.", output, error));
        root.Subcommands.Add(JobCommandLine.Simple("resume", "Resume a paused job from its latest checkpoint.", output, error));
        root.Subcommands.Add(JobCommandLine.Halting("stop", "Stop the running job: its current step is checkpointed first, so `cluster train` again continues from there.", output, error));
        root.Subcommands.Add(EvalCommandLine.Eval(output, error));
        root.Subcommands.Add(DoctorCommandLine.Doctor(output, error));
        var data = new Command("data", "Dataset tools.");
        data.Subcommands.Add(DataCommandLine.Validate(output, error));
        data.Subcommands.Add(DataCommandLine.Prepare(output, error));
        data.Subcommands.Add(DataCommandLine.Synth(output, error));
        root.Subcommands.Add(data);
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        ParseResult parsed = root.Parse(args);
        int code = parsed.Invoke(configuration);
        return parsed.Errors.Count > 0 ? ExitCodes.Usage : code;
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
