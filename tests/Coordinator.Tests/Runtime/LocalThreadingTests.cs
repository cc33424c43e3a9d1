using Cluster.Coordinator.Runtime;
using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Tests.Runtime;

public sealed class LocalThreadingTests
{
    private static readonly Func<string, string?> NothingSet = _ => null;

    [Theory]
    [InlineData(16, 2, "8")]
    [InlineData(2, 2, "1")]
    [InlineData(2, 3, "1")]
    [InlineData(2, 1, "2")]
    public void Cpu_trainers_split_the_cores_and_every_node_waits_passively(int cores, int trainers, string threads)
    {
        var trainer = LocalThreading.ChildEnvironment(NodeRole.Gpu, "cpu", cores, trainers, NothingSet);
        var dataNode = LocalThreading.ChildEnvironment(NodeRole.Data, "cpu", cores, trainers, NothingSet);

        Assert.Equal(threads, trainer["OMP_NUM_THREADS"]);
        Assert.Equal("PASSIVE", trainer["OMP_WAIT_POLICY"]);
        Assert.Equal("PASSIVE", dataNode["OMP_WAIT_POLICY"]);
        Assert.False(dataNode.ContainsKey("OMP_NUM_THREADS"));
    }

    [Fact]
    public void What_the_user_set_is_inherited_untouched_and_gpu_trainers_keep_their_threads()
    {
        var userSet = LocalThreading.ChildEnvironment(NodeRole.Gpu, "cpu", 16, 2, name => name == "OMP_NUM_THREADS" ? "3" : "ACTIVE");
        var onGpu = LocalThreading.ChildEnvironment(NodeRole.Gpu, "cuda", 16, 2, NothingSet);

        Assert.Empty(userSet);
        Assert.False(onGpu.ContainsKey("OMP_NUM_THREADS"));
    }
}
