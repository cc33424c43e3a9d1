using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Cluster.Integration.Tests;

/// <summary>
/// <c>deploy/prometheus/rules.yaml</c> as Prometheus reads it: <c>promtool check rules</c> accepts it, and
/// <c>promtool test rules</c> runs its unit tests, in which each alert fires on a constructed series and stays silent on
/// a healthy one. Every alert has such a test and says what to check.
/// </summary>
public sealed partial class AlertRulesTests
{
    [Fact]
    public void The_rules_load_every_alert_is_unit_tested_and_the_tests_pass()
    {
        string folder = Path.Combine(Repository(), "deploy", "prometheus");
        string rules = File.ReadAllText(Path.Combine(folder, "rules.yaml"));
        string tests = File.ReadAllText(Path.Combine(folder, "rules.test.yaml"));
        string[] alerts = [.. Alert().Matches(rules).Select(m => m.Groups[1].Value)];
        Assert.NotEmpty(alerts);
        Assert.All(alerts, alert => Assert.Contains($"alertname: {alert}\n", tests));
        Assert.Equal(alerts.Length, Regex.Matches(rules, @"^\s+summary: ", RegexOptions.Multiline).Count);
        Assert.Equal(alerts.Length, Regex.Matches(rules, @"^\s+description: ", RegexOptions.Multiline).Count);

        var (checkCode, checkOutput) = Promtool(folder, "check", "rules", "rules.yaml");
        Assert.True(checkCode == 0, checkOutput);
        Assert.Contains($"SUCCESS: {alerts.Length} rules found", checkOutput);
        var (testCode, testOutput) = Promtool(folder, "test", "rules", "rules.test.yaml");
        Assert.True(testCode == 0, testOutput);
    }

    private static (int Code, string Output) Promtool(string folder, params string[] arguments)
    {
        var start = new ProcessStartInfo("promtool") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start; scripts/setup.sh installs it (Debian's prometheus)");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }

    private static string Repository()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Cluster.sln"))) return folder.FullName;
        }
        throw new DirectoryNotFoundException($"no Cluster.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^\s+- alert: (\w+)\s*$", RegexOptions.Multiline)]
    private static partial Regex Alert();
}
