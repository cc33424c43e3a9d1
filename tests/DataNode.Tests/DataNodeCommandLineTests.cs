using Cluster.Shared.Cli;

namespace Cluster.DataNode.Tests;

public sealed class DataNodeCommandLineTests
{
    private static (int Code, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = DataNodeCommandLine.Run(args, output, error);
        return (code, error.ToString());
    }

    private const string Coordinator = "cluster.tcp://coordinator@127.0.0.1:4000";

    [Fact]
    public void A_missing_required_option_is_a_usage_error_naming_it()
    {
        var (code, error) = Run("--name", "data-1");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--coordinator", error);
    }

    [Theory]
    [InlineData("--coordinator", "coordinator@127.0.0.1:4000", "--coordinator 'coordinator@127.0.0.1:4000'")]
    [InlineData("--name", "data/1", "--name 'data/1'")]
    [InlineData("--workers", "0", "--workers 0")]
    [InlineData("--port", "70000", "--port 70000")]
    [InlineData("--host", "localhost", "--host 'localhost'")]
    [InlineData("--heartbeat-interval", "fast", "--heartbeat-interval 'fast'")]
    [InlineData("--failure-pause", "3 s", "--failure-pause '3 s'")]
    [InlineData("--heartbeat-interval", "0s", "--heartbeat-interval: must be positive")]
    public void A_bad_value_is_a_usage_error_naming_the_option_and_the_value(string option, string value, string expected)
    {
        var args = new Dictionary<string, string> { ["--coordinator"] = Coordinator, ["--name"] = "data-1", [option] = value };

        var (code, error) = Run([.. args.SelectMany(pair => new[] { pair.Key, pair.Value })]);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains($"datanode: {expected}", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => line.Contains(option));
    }

    [Fact]
    public void An_unreadable_secret_file_is_a_usage_error_naming_the_file()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-secret-{Guid.NewGuid():N}");

        var (code, error) = Run("--coordinator", Coordinator, "--name", "data-1", "--secret-file", missing);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(missing, error);
    }

    [Fact]
    public void A_port_already_in_use_fails_naming_the_address()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        string secretFile = Path.GetTempFileName();
        try
        {
            File.WriteAllText(secretFile, "the job secret, 32 bytes long!!!");
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;

            var (code, error) = Run("--coordinator", Coordinator, "--name", "data-1", "--port", $"{port}", "--secret-file", secretFile);

            Assert.Equal(ExitCodes.Failure, code);
            Assert.Contains($"cannot listen on 127.0.0.1:{port}", error);
        }
        finally
        {
            listener.Stop();
            File.Delete(secretFile);
        }
    }
}
