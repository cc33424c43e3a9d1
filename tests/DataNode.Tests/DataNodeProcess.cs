using System.Diagnostics;
using System.Text;

namespace Cluster.DataNode.Tests;

/// <summary>The real <c>datanode</c> executable (built beside the tests), its stderr collected for assertions.</summary>
public sealed class DataNodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    public DataNodeProcess(string secret, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "datanode.dll"));
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment["CLUSTER_SECRET"] = secret;
        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, line) =>
        {
            lock (_stderr) _stderr.AppendLine(line.Data);
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Id => _process.Id;

    public string Stderr
    {
        get
        {
            lock (_stderr) return _stderr.ToString();
        }
    }

    public async Task<int> ExitCodeAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"datanode did not exit within {timeout}; stderr:\n{Stderr}");
        }
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
