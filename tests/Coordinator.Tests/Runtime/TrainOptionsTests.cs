using Cluster.Coordinator.Runtime;

namespace Cluster.Coordinator.Tests.Runtime;

public class TrainOptionsTests
{
    [Fact]
    public void The_API_listens_on_loopback_unless_an_address_is_given()
    {
        Assert.Equal("127.0.0.1", new TrainOptions("job.yaml").ApiHost);
        Assert.Empty(new TrainOptions("job.yaml") { ApiHost = "0.0.0.0" }.Problems());
        Assert.Empty(new TrainOptions("job.yaml") { ApiHost = "::1" }.Problems());
        Assert.Contains("--api-host must be an IP address", Assert.Single(new TrainOptions("job.yaml") { ApiHost = "example.org" }.Problems()));
    }
}
