namespace Cluster.GpuNode.Tests;

public sealed class GpuNodeArgumentsTests
{
    private static readonly string[] Valid = ["--coordinator", "cluster.tcp://coordinator@127.0.0.1:4000", "--name", "gpu-1", "--device", "cuda:1"];

    [Fact]
    public void Defaults_and_durations_are_read()
    {
        var parsed = GpuNodeArguments.Parse([.. Valid, "--heartbeat-interval", "250ms", "--failure-pause", "2s"]);
        Assert.Equal(new GpuNodeArguments("cluster.tcp://coordinator@127.0.0.1:4000", "gpu-1", "cuda:1", "127.0.0.1", 0, null,
            TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(2)), parsed);
    }

    [Fact]
    public void A_metrics_port_is_optional_and_zero_takes_a_free_one()
    {
        Assert.Null(GpuNodeArguments.Parse(Valid).MetricsPort);
        Assert.Equal(0, GpuNodeArguments.Parse([.. Valid, "--metrics-port", "0"]).MetricsPort);
        Assert.Equal(9464, GpuNodeArguments.Parse([.. Valid, "--metrics-port", "9464"]).MetricsPort);
    }

    [Theory]
    [InlineData("--device", "gpu", "--device")]
    [InlineData("--port", "70000", "--port")]
    [InlineData("--heartbeat-interval", "fast", "--heartbeat-interval")]
    [InlineData("--colour", "red", "--colour")]
    [InlineData("--metrics-port", "-1", "--metrics-port")]
    public void A_bad_option_is_named(string option, string value, string named)
    {
        string[] args = [.. Valid.Where((_, i) => !(Valid[i] == option || (i > 0 && Valid[i - 1] == option))), option, value];
        Assert.Contains(named, Assert.Throws<ArgumentException>(() => GpuNodeArguments.Parse(args)).Message);
    }

    [Fact]
    public async Task The_program_exits_with_the_usage_code_on_a_missing_option()
    {
        using var error = new StringWriter();
        Assert.Equal(2, await GpuNodeProgram.RunAsync(["--name", "gpu-0", "--device", "cpu"], error));
        Assert.Contains("--coordinator", error.ToString());
    }
}
