using Cluster.Shared.Cli;

namespace Cluster.Shared.Tests;

public class NotBuiltTests
{
    [Fact]
    public void Reports_the_command_and_exits_with_the_not_built_code()
    {
        var error = new StringWriter();
        var code = NotBuilt.Report(error, "cluster train", "the cluster runtime");
        Assert.Equal(ExitCodes.NotBuilt, code);
        Assert.NotEqual(ExitCodes.Ok, code);
        Assert.Contains("cluster train: not built yet", error.ToString());
        Assert.Contains("Nothing was started", error.ToString());
    }
}
