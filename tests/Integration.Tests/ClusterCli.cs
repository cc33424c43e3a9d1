using System.Diagnostics;
using System.Text;

namespace Cluster.Integration.Tests;

/// <summary>The <c>cluster</c> command as a user runs it: a real process in a working directory.</summary>
internal static class ClusterCli
{
    /// <summary>Starts <c>cluster ARGS</c>; every line it prints goes to <paramref name="output"/>.</summary>
    public static Process Start(string workingDirectory, StringBuilder output, params string[] arguments) =>
        Start(workingDirectory, output, new Dictionary<string, string>(), arguments);

    /// <summary>Starts <c>cluster ARGS</c> with <paramref name="environment"/> added to this process's.</summary>
    public static Process Start(string workingDirectory, StringBuilder output, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = workingDirectory,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "cluster.dll"));
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Runs <c>cluster ARGS</c> to its end: its exit code and everything it printed.</summary>
    public static (int Code, string Output) Run(string workingDirectory, params string[] arguments) =>
        Run(workingDirectory, new Dictionary<string, string>(), arguments);

    public static (int Code, string Output) Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var output = new StringBuilder();
        using Process process = Start(workingDirectory, output, environment, arguments);
        if (!process.WaitForExit(JobRun.Limit))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"cluster {string.Join(' ', arguments)} did not finish within {JobRun.Limit}:\n{Text(output)}");
        }

        process.WaitForExit();
        return (process.ExitCode, Text(output));
    }

    public static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        string? current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }
}
