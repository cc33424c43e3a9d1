using System.Text.Json;

namespace Cluster.Coordinator.Runtime;

/// <summary>
/// Where a local run's processes serve their metrics, for Prometheus: <c>runs/NAME/prometheus/targets.json</c> in
/// Prometheus's <c>file_sd</c> form (one target per process, labelled with its role and node) and a ready
/// <c>prometheus.yml</c> that scrapes them under the job's name, so <c>prometheus --config.file=runs/NAME/prometheus/prometheus.yml</c>
/// watches the run. The targets file is rewritten (atomically) whenever a process starts, so Prometheus follows
/// replacements and scaling without a restart.
/// </summary>
public sealed class ScrapeTargets
{
    public const string TargetsFile = "targets.json";
    public const string ConfigFile = "prometheus.yml";

    private readonly object gate = new();
    private readonly SortedDictionary<string, (string Role, string Address)> targets = new(StringComparer.Ordinal);

    /// <param name="directory">The run's <c>prometheus</c> folder (created).</param>
    /// <param name="job">The job's name: Prometheus's <c>job</c> label of every series.</param>
    public ScrapeTargets(string directory, string job)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(job);
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
        WriteAtomically(ConfigFile, Config(job));
        Write();
    }

    public string Directory { get; }

    /// <summary>The process <paramref name="node"/> (of <paramref name="role"/>: coordinator, data, trainer) serves at
    /// <paramref name="address"/> (host:port); a node started again replaces its earlier address.</summary>
    public void Set(string node, string role, string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(node);
        ArgumentException.ThrowIfNullOrEmpty(role);
        ArgumentException.ThrowIfNullOrEmpty(address);
        lock (gate)
        {
            targets[node] = (role, address);
            Write();
        }
    }

    /// <summary>The node has gone for good (retired): no longer scraped.</summary>
    public void Remove(string node)
    {
        lock (gate)
        {
            if (targets.Remove(node)) Write();
        }
    }

    private void Write()
    {
        var groups = targets.Select(t => new Dictionary<string, object>
        {
            ["targets"] = new[] { t.Value.Address },
            ["labels"] = new Dictionary<string, string> { ["role"] = t.Value.Role, ["node"] = t.Key },
        });
        WriteAtomically(TargetsFile, JsonSerializer.Serialize(groups, new JsonSerializerOptions { WriteIndented = true }));
    }

    private static string Config(string job) => $"""
        # Written by `cluster train` for this run: `prometheus --config.file=THIS_FILE` scrapes every process of it.
        # A local run is small and often short: every 2 s gives a rate within seconds of the start.
        global:
          scrape_interval: 2s
          evaluation_interval: 2s
        scrape_configs:
          - job_name: {JsonSerializer.Serialize(job)}
            file_sd_configs:
              - files: [{TargetsFile}]
                refresh_interval: 2s
        """;

    // A reader (Prometheus) never sees half a file: written beside it, then renamed over it.
    private void WriteAtomically(string name, string text)
    {
        string path = Path.Combine(Directory, name);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }
}
