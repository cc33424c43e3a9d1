using System.Runtime.InteropServices;
using Cluster.Coordinator.Runtime;
using Cluster.Shared.Cli;
using Cluster.Shared.Jobs;
using Spectre.Console;

namespace Cluster.Coordinator.Cli;

/// <summary>
/// <c>cluster train</c>: starts the coordinator (and the nodes, embedded), shows progress until the job ends and
/// returns its exit code. Live rendering only on a terminal; logs and pipes get a plain line per change.
/// </summary>
public static class TrainRun
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    /// <param name="finished">Given the job's final status once it has ended (not called when it could not start).</param>
    public static int Run(TrainOptions options, TextWriter output, TextWriter error, Action<JobStatus>? finished = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            foreach (string problem in problems) error.WriteLine($"cluster train: {problem}");
            return ExitCodes.Usage;
        }

        var logGate = new object();
        StreamWriter? logFile = null;
        void Log(string line)
        {
            string stamped = $"{DateTime.UtcNow:HH:mm:ss} {line}";
            lock (logGate)
            {
                logFile?.WriteLine(stamped);
                if (!Interactive(output)) output.WriteLine(stamped);
            }
        }

        JobHost host;
        try
        {
            host = JobHost.StartAsync(options, Log).GetAwaiter().GetResult();
        }
        catch (JobSpecException problem)
        {
            error.WriteLine($"cluster train: {problem.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception problem) when (problem is InvalidDataException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"cluster train: {problem.Message}");
            return ExitCodes.Failure;
        }

        // Ctrl+C or SIGTERM (what Kubernetes sends before it evicts a pod) stops the job like `cluster stop`: the current
        // step is checkpointed, the nodes are told, and the children do not outlive us. A second signal stops at once.
        int signals = 0;
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        void Stop(PosixSignalContext context)
        {
            context.Cancel = true;
            bool first = Interlocked.Increment(ref signals) == 1;
            Log(first ? $"{context.Signal}: stopping after a checkpoint of the current step (signal again to stop without it)"
                : $"{context.Signal} again: stopping without a checkpoint of the current step");
            host.RequestStop($"interrupted ({context.Signal})", checkpoint: first);
        }

        try
        {
            lock (logGate) logFile = new StreamWriter(Path.Combine(host.RunDirectory, "coordinator.log"), append: true) { AutoFlush = true };
            JobStatus final = Interactive(output) ? ShowLive(host, output) : ShowLines(host, output);
            output.WriteLine(Summary(final));
            finished?.Invoke(final);
            return final.Failed ? ExitCodes.Failure : ExitCodes.Ok;
        }
        finally
        {
            host.DisposeAsync().AsTask().GetAwaiter().GetResult();
            lock (logGate) logFile?.Dispose();
        }
    }

    public static string Summary(JobStatus status) =>
        $"{status.Job}: {status.Phase} at step {status.Step}{(status.FinishReason is { } reason ? $" ({reason})" : "")}; " +
        $"loss {status.Loss:F4}; ledger {status.LedgerCommitted}/{status.LedgerBatches} batches of epoch {status.Epoch} committed" +
        (status.CheckpointStep is { } step ? $"; last checkpoint step {step} in {status.CheckpointDirectory}" : "; no checkpoint") +
        (status.Evaluation.Count > 0 ? $"; evaluation at step {status.EvaluationStep}: {Metrics(status)}" : "");

    public static string Line(JobStatus s, int expectedSteps) =>
        $"[{s.Holding ?? s.Phase}] step {s.Step}/{s.MaxSteps ?? expectedSteps} epoch {s.Epoch} loss {s.Loss:F4} lr {s.LearningRate:G3} " +
        $"{s.ExamplesPerSecond:F1} ex/s, ranks {s.WorldSize}, data nodes {s.Nodes.Count(n => n.Role == "data")}" +
        (s.Evaluation.Count > 0 ? $", eval@{s.EvaluationStep} {Metrics(s)}" : "");

    private static string Metrics(JobStatus s) => string.Join(" ", s.Evaluation.Select(m => $"{m.Key} {m.Value:F4}"));

    private static bool Interactive(TextWriter output) => ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;

    private static JobStatus ShowLines(JobHost host, TextWriter output)
    {
        string last = "";
        while (!host.Board.Finished.Wait(Poll))
        {
            if (host.Board.Latest is not { } status) continue;
            string line = Line(status, host.ExpectedSteps);
            if (line == last) continue;
            last = line;
            output.WriteLine(line);
        }

        return host.Board.Finished.Result;
    }

    private static JobStatus ShowLive(JobHost host, TextWriter output)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        console.MarkupLine($"[bold]{Markup.Escape(host.Spec.Name)}[/]: coordinator {Markup.Escape(host.CoordinatorAddress)}, API {Markup.Escape(host.ApiUrl)}, logs in {Markup.Escape(host.RunDirectory)}");
        console.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .Start(context =>
            {
                var bar = context.AddTask("starting", maxValue: host.ExpectedSteps);
                while (!host.Board.Finished.Wait(Poll))
                {
                    if (host.Board.Latest is not { } status) continue;
                    bar.Value = Math.Min(status.Step, host.ExpectedSteps);
                    bar.Description = Markup.Escape(Line(status, host.ExpectedSteps));
                }

                bar.Value = host.ExpectedSteps;
            });
        return host.Board.Finished.Result;
    }
}
