using System.CommandLine;
using System.Text.Json;
using Cluster.Coordinator.Runtime;
using Cluster.Shared.Cli;
using Cluster.Shared.Jobs;

namespace Cluster.Coordinator.Cli;

/// <summary><c>cluster train|status|scale|pause|resume|stop</c>.</summary>
public static class JobCommandLine
{
    // The coordinator answers a pause or stop within its stop_timeout (at most a day); the client does not cut it short.
    private static readonly TimeSpan HaltingTimeout = TimeSpan.FromHours(25);

    public static Command Train(TextWriter output, TextWriter error)
    {
        var job = new Argument<string>("job") { Description = "Job spec (YAML)" };
        var dataNodes = new Option<int?>("--data-nodes") { Description = "DataNodes to run (default: the spec's cluster.data_nodes)" };
        var gpuNodes = new Option<int?>("--gpu-nodes") { Description = "GpuNodes to run (default: the spec's cluster.gpu_nodes)" };
        var device = new Option<string>("--device") { Description = "What embedded GpuNodes train on: cpu or cuda (gpu-K on cuda:K)", DefaultValueFactory = _ => "cpu" };
        var port = new Option<int>("--port") { Description = "The coordinator's remoting port (0: any free port)" };
        var apiPort = new Option<int>("--api-port") { Description = "The HTTP API's and status page's port (0: any free port)" };
        var apiHost = new Option<string>("--api-host")
        {
            Description = "The address the HTTP API and status page listen on (0.0.0.0: every interface; the API is not authenticated)",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var external = new Option<bool>("--external") { Description = "Do not start nodes; wait for nodes started elsewhere (secret from the spec's cluster.secret_*)" };
        var noValidate = new Option<bool>("--no-validate") { Description = "Skip data validation before training" };
        var command = new Command("train", "Train a job: coordinator plus, by default, its DataNodes and GpuNodes as local processes.");
        command.Arguments.Add(job);
        foreach (Option option in new Option[] { dataNodes, gpuNodes, device, port, apiPort, apiHost, external, noValidate }) command.Options.Add(option);
        command.SetAction(result => TrainRun.Run(
            new TrainOptions(result.GetValue(job)!, result.GetValue(dataNodes), result.GetValue(gpuNodes), !result.GetValue(external),
                result.GetValue(port), result.GetValue(apiPort), result.GetValue(device)!, !result.GetValue(noValidate))
            {
                ApiHost = result.GetValue(apiHost)!,
            },
            output, error));
        return command;
    }

    public static Command Status(TextWriter output, TextWriter error)
    {
        var json = new Option<bool>("--json") { Description = "Print the API's JSON" };
        return Controlled("status", "Show the running job: nodes, step, loss, throughput, ledger, checkpoint, evaluation.", error, [json], async (client, result) =>
        {
            JobStatus status = await client.StatusAsync().ConfigureAwait(false);
            if (result.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(status, JobStatus.Json));
                return;
            }

            output.WriteLine(TrainRun.Line(status, status.MaxSteps ?? 0));
            output.WriteLine($"generation {status.Generation}; ledger {status.LedgerCommitted}/{status.LedgerBatches} committed, {status.LedgerInFlight} in flight; " +
                $"checkpoint {(status.CheckpointStep is { } step ? $"step {step} ({status.CheckpointDirectory})" : "none")}");
            if (status.LastHold is { } hold) output.WriteLine($"last pause or stop: {hold}");
            foreach (NodeStatus node in status.Nodes)
                output.WriteLine($"  {node.Name,-10} {node.Role,-5} {node.State,-9} {(node.Rank is { } rank ? $"rank {rank}" : node.Role == "data" ? $"{node.Shards} shards" : ""),-10} pid {node.ProcessId} {node.Device}");
        });
    }

    public static Command Scale(TextWriter output, TextWriter error)
    {
        var dataNodes = new Option<int>("--data-nodes") { Description = "How many DataNodes the job should run", Required = true };
        return Controlled("scale", "Scale the DataNodes of the running job.", error, [dataNodes], async (client, result) =>
        {
            int count = result.GetValue(dataNodes);
            if (count < 1) throw new ArgumentException($"--data-nodes must be at least 1, not {count}");
            output.WriteLine(await client.PostAsync("scale", new Dictionary<string, int> { ["data_nodes"] = count }).ConfigureAwait(false));
        });
    }

    public static Command Simple(string name, string description, TextWriter output, TextWriter error) =>
        Controlled(name, description, error, [], async (client, _) => output.WriteLine(await client.PostAsync(name).ConfigureAwait(false)));

    /// <summary><c>pause</c> or <c>stop</c>: the job checkpoints its current step first (bounded by the job's
    /// checkpointing.stop_timeout), so this waits for that and prints where the job will continue from.</summary>
    public static Command Halting(string name, string description, TextWriter output, TextWriter error)
    {
        var noCheckpoint = new Option<bool>("--no-checkpoint") { Description = "Do not checkpoint the current step: the work since the last checkpoint is thrown away" };
        return Controlled(name, description, error, [noCheckpoint], async (client, result) =>
        {
            object? body = result.GetValue(noCheckpoint) ? new Dictionary<string, bool> { ["checkpoint"] = false } : null;
            output.WriteLine(await client.PostAsync(name, body).ConfigureAwait(false));
        }, HaltingTimeout);
    }

    private static Command Controlled(string name, string description, TextWriter error, Option[] options, Func<ApiClient, ParseResult, Task> act, TimeSpan? timeout = null)
    {
        var api = new Option<string?>("--api") { Description = "The job's API URL (default: from --job, else CLUSTER_API)" };
        var job = new Option<string?>("--job") { Description = "The job spec whose run to address" };
        var command = new Command(name, description);
        command.Options.Add(api);
        command.Options.Add(job);
        foreach (Option option in options) command.Options.Add(option);
        command.SetAction(result =>
        {
            string url;
            try
            {
                url = ApiClient.Locate(result.GetValue(api), result.GetValue(job));
            }
            catch (Exception problem) when (problem is ArgumentException or JobSpecException or IOException)
            {
                error.WriteLine($"cluster {name}: {problem.Message}");
                return ExitCodes.Usage;
            }

            using var client = new ApiClient(url, timeout);
            try
            {
                act(client, result).GetAwaiter().GetResult();
                return ExitCodes.Ok;
            }
            catch (ArgumentException problem)
            {
                error.WriteLine($"cluster {name}: {problem.Message}");
                return ExitCodes.Usage;
            }
            catch (Exception problem) when (problem is HttpRequestException or TaskCanceledException or JsonException)
            {
                error.WriteLine($"cluster {name}: {url}: {problem.Message}");
                return ExitCodes.Failure;
            }
        });
        return command;
    }
}
