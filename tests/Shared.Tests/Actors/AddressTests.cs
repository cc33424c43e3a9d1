using Cluster.Shared.Actors;

namespace Cluster.Shared.Tests.Actors;

public sealed class AddressTests
{
    [Theory]
    [InlineData("cluster.tcp://job-1@127.0.0.1:2552/user/trainer", "job-1", "127.0.0.1", 2552, "/user/trainer")]
    [InlineData("cluster.tcp://job@[::1]:9000/temp/3", "job", "::1", 9000, "/temp/3")]
    public void Remote_paths_round_trip(string text, string system, string host, int port, string elements)
    {
        var path = ActorPath.Parse(text);
        Assert.Equal(new Address(Address.TcpProtocol, system, host, port), path.Address);
        Assert.Equal(elements, path.Elements);
        Assert.Equal(text, path.ToString());
    }

    [Theory]
    [InlineData("http://job@127.0.0.1:1/user/a", "unknown protocol")]
    [InlineData("cluster.tcp://127.0.0.1:1/user/a", "expected")]
    [InlineData("cluster.tcp://job@127.0.0.1:99999/user/a", "port")]
    [InlineData("cluster.tcp://job@127.0.0.1:1", "expected '<address>/user")]
    [InlineData("cluster.tcp://job@127.0.0.1:1/user//a", "expected '<address>/user")]
    [InlineData("user/a", "missing")]
    public void Malformed_paths_are_refused_with_the_reason(string text, string reason)
    {
        var error = Assert.ThrowsAny<Exception>(() => ActorPath.Parse(text));
        Assert.True(error is FormatException or ArgumentException);
        Assert.Contains(reason, error.Message);
    }
}
