namespace Cluster.Coordinator.Runtime;

/// <summary>How <c>cluster train</c> runs a job.</summary>
/// <param name="DataNodes">Overrides the spec's cluster.data_nodes.</param>
/// <param name="GpuNodes">Overrides the spec's cluster.gpu_nodes.</param>
/// <param name="Embedded">Start the nodes as local processes; otherwise wait for nodes started elsewhere.</param>
/// <param name="Port">The coordinator's remoting port (0: a free one).</param>
/// <param name="ApiPort">The HTTP API's port (0: a free one).</param>
/// <param name="Device">What embedded GPU nodes train on: cpu, or cuda (each node takes cuda:rank).</param>
/// <param name="NodeArguments">Extra arguments for every embedded node process.</param>
/// <param name="ApiHost">Where the HTTP API and the status page listen: loopback unless the user says otherwise
/// (an address, or <c>0.0.0.0</c> for every interface; the API is not authenticated).</param>
public sealed record TrainOptions(
    string JobPath,
    int? DataNodes = null,
    int? GpuNodes = null,
    bool Embedded = true,
    int Port = 0,
    int ApiPort = 0,
    string Device = "cpu",
    bool Validate = true,
    IReadOnlyList<string>? NodeArguments = null,
    string ApiHost = "127.0.0.1")
{
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (DataNodes is < 1) problems.Add($"--data-nodes must be at least 1, not {DataNodes}");
        if (GpuNodes is < 1) problems.Add($"--gpu-nodes must be at least 1, not {GpuNodes}");
        if (Port is < 0 or > 65535) problems.Add($"--port must be 0..65535, not {Port}");
        if (ApiPort is < 0 or > 65535) problems.Add($"--api-port must be 0..65535, not {ApiPort}");
        if (!System.Net.IPAddress.TryParse(ApiHost, out _)) problems.Add($"--api-host must be an IP address (e.g. 127.0.0.1 or 0.0.0.0), not '{ApiHost}'");
        if (Device is not ("cpu" or "cuda")) problems.Add($"--device must be cpu or cuda, not '{Device}'");
        return problems;
    }
}
