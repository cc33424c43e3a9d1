namespace Cluster.Bench.CpuKernels.Driver;

using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

/// <summary>
/// One side of the comparison as a command: every turn is a fresh process (the contract of modern-runtime.sh), so no
/// side carries another's memory or thread pools, and its stderr goes to a log file of its own.
/// </summary>
/// <param name="Name">Short key (ours, python, modern).</param>
/// <param name="Label">How the report names it.</param>
/// <param name="Command">The program and the arguments that come before the contract's.</param>
/// <param name="Environment">Variables set (or, with a null value, removed) for this side only.</param>
internal sealed partial record Side(string Name, string Label, IReadOnlyList<string> Command, IReadOnlyDictionary<string, string?> Environment)
{
    public SideResult Run(IReadOnlyList<string> arguments, string logPath)
    {
        var start = new ProcessStartInfo(Command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in Command.Skip(1).Concat(arguments))
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in Environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        var clock = Stopwatch.StartNew();
        string output, errors;
        int exitCode;
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"{Command[0]} did not start");
            var outputTask = process.StandardOutput.ReadToEndAsync();
            var errorTask = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            output = outputTask.Result;
            errors = errorTask.Result;
            exitCode = process.ExitCode;
        }
        catch (Exception error) when (error is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return new SideResult(null, $"could not start {Command[0]}: {error.Message}", clock.Elapsed.TotalSeconds);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        File.WriteAllText(logPath, $"$ {string.Join(' ', Command.Concat(arguments))}\n{errors}");
        string? lastError = errors.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (exitCode != 0)
        {
            string signal = exitCode > 128 ? $" (signal {exitCode - 128})" : "";
            return new SideResult(null, $"exit code {exitCode}{signal}: {lastError ?? "no message"} (log: {logPath})", seconds);
        }
        string? line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        try
        {
            return line is not null && JsonNode.Parse(line) is JsonObject json
                ? new SideResult(json, null, seconds, [.. TimedRepetitionCpu().Matches(errors).Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))])
                : new SideResult(null, $"no JSON line on stdout (log: {logPath})", seconds);
        }
        catch (JsonException)
        {
            return new SideResult(null, $"stdout's last line is not JSON: {line} (log: {logPath})", seconds);
        }
    }

    /// <summary>The line every side prints per timed repetition: "... repetition N: X ms ...; process CPU Y ms".</summary>
    [GeneratedRegex(@"repetition \d+: [0-9.]+ ms.*; process CPU ([0-9.]+) ms")]
    private static partial Regex TimedRepetitionCpu();
}
