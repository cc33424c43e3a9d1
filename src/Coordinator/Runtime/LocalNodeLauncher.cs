using System.Collections.Concurrent;
using System.Diagnostics;
using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Runtime;

/// <summary>
/// Starts <c>datanode</c> and <c>gpunode</c> as child processes on this machine. Their assemblies are deployed next to
/// the coordinator's (Coordinator.csproj references both executables), so the same lookup works from the build
/// output, a publish folder and a test's output. The job secret reaches them through <c>CLUSTER_SECRET</c>, never the
/// command line; their output is prefixed with the node's name and kept in <c>logs/NAME.log</c> of the run directory.
/// </summary>
public sealed class LocalNodeLauncher : INodeLauncher, IDisposable
{
    private readonly ConcurrentDictionary<string, Process> processes = new(StringComparer.Ordinal);
    private readonly string coordinatorAddress;
    private readonly string secret;
    private readonly string logDirectory;
    private readonly IReadOnlyList<string> extraArguments;
    private readonly string gpuDevice;
    private readonly int? dataNodeWorkers;
    private readonly int trainers;
    private readonly ScrapeTargets? scrapeTargets;

    /// <param name="dataNodeWorkers">Passed to data nodes as <c>--workers</c>; null leaves their default.</param>
    /// <param name="trainers">GpuNodes the job runs here; CPU trainers split the cores between them (<see cref="LocalThreading"/>).</param>
    public LocalNodeLauncher(string coordinatorAddress, string secret, string logDirectory, string gpuDevice, IReadOnlyList<string>? extraArguments = null,
        int? dataNodeWorkers = null, int trainers = 1, ScrapeTargets? scrapeTargets = null)
    {
        this.scrapeTargets = scrapeTargets;
        this.trainers = trainers;
        this.dataNodeWorkers = dataNodeWorkers;
        this.coordinatorAddress = coordinatorAddress;
        this.secret = secret;
        this.logDirectory = logDirectory;
        this.gpuDevice = gpuDevice;
        this.extraArguments = extraArguments ?? [];
        Directory.CreateDirectory(logDirectory);
    }

    /// <summary>Called with the node's name, process id and exit code when a started process exits.</summary>
    public Action<string, int, int>? Exited { get; set; }

    public IReadOnlyList<string> Running => [.. processes.Where(p => !HasExited(p.Value)).Select(p => p.Key).Order(StringComparer.Ordinal)];

    // A port free a moment ago; the node binds it when it starts (and exits naming it, in the rare case it was taken).
    private static int FreePort()
    {
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        return ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>The path of a node executable's assembly next to this one.</summary>
    /// <exception cref="FileNotFoundException">It was not deployed with the coordinator.</exception>
    public static string AssemblyOf(string executable)
    {
        string path = Path.Combine(AppContext.BaseDirectory, executable + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{executable}.dll is not next to the coordinator in {AppContext.BaseDirectory}; build the solution (Coordinator.csproj references the node projects)", path);
    }

    public void Launch(NodeRole role, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (processes.TryGetValue(name, out Process? old) && !HasExited(old)) Kill(name);
        string executable = role == NodeRole.Data ? "datanode" : "gpunode";
        // The BLAS kernels are chosen (and checked) once here; every node inherits the choice in its environment.
        Cluster.Torch.Cpu.BlasKernels.Ensure();
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { AssemblyOf(executable), "--coordinator", coordinatorAddress, "--name", name, "--host", "127.0.0.1" })
            start.ArgumentList.Add(argument);
        if (role == NodeRole.Data && dataNodeWorkers is int workers)
        {
            start.ArgumentList.Add("--workers");
            start.ArgumentList.Add(workers.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        if (role == NodeRole.Gpu)
        {
            start.ArgumentList.Add("--device");
            // One trainer per device: gpu-K trains on cuda:K.
            start.ArgumentList.Add(gpuDevice == "cuda" ? $"cuda:{name[(name.LastIndexOf('-') + 1)..]}" : gpuDevice);
        }

        if (scrapeTargets is not null)
        {
            // Every node serves /metrics on a port of its own, listed for Prometheus in the run's targets.json.
            int metricsPort = FreePort();
            start.ArgumentList.Add("--metrics-port");
            start.ArgumentList.Add(metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            scrapeTargets.Set(name, role == NodeRole.Data ? "data" : "trainer", $"127.0.0.1:{metricsPort}");
        }

        foreach (string argument in extraArguments) start.ArgumentList.Add(argument);
        start.Environment["CLUSTER_SECRET"] = secret;
        foreach (var (variable, value) in LocalThreading.ChildEnvironment(role, gpuDevice, Environment.ProcessorCount, trainers, Environment.GetEnvironmentVariable))
            start.Environment[variable] = value;
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var log = new StreamWriter(Path.Combine(logDirectory, name + ".log"), append: true) { AutoFlush = true };
        var gate = new object();
        void Write(string? line)
        {
            if (line is null) return;
            lock (gate) log.WriteLine(line);
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Exited += (_, _) =>
        {
            // Let the output readers drain before the log closes.
            process.WaitForExit();
            lock (gate) log.Dispose();
            // Gone unless already started again under its name (a replacement registers its own port).
            if (processes.TryGetValue(name, out var current) && ReferenceEquals(current, process)) scrapeTargets?.Remove(name);
            Exited?.Invoke(name, process.Id, process.ExitCode);
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        processes[name] = process;
    }

    public void Kill(string name)
    {
        if (!processes.TryGetValue(name, out Process? process)) return;
        try
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited between the check and the kill.
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the children to exit by themselves, then kills the rest.</summary>
    public void StopAll(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        foreach (var (name, process) in processes)
        {
            var left = deadline - DateTime.UtcNow;
            if (left > TimeSpan.Zero && process.WaitForExit(left)) continue;
            Kill(name);
        }
    }

    public void Dispose()
    {
        foreach (string name in processes.Keys) Kill(name);
        foreach (Process process in processes.Values)
        {
            process.WaitForExit(5000);
            process.Dispose();
        }
    }

    private static bool HasExited(Process process)
    {
        try
        {
            return process.HasExited;
        }
        catch (InvalidOperationException)
        {
            return true;
        }
    }

    /// <summary>The <c>dotnet</c> host: the one running this process (also under a test host), else the one on PATH.</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet") return current;
        if (Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } root && File.Exists(Path.Combine(root, "dotnet"))) return Path.Combine(root, "dotnet");
        return "dotnet";
    }
}
