using Cluster.Coordinator.Jobs;
using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Tests.Jobs;

/// <summary>The embedded mode's process decisions, without actors or launchers.</summary>
public sealed class NodeFleetTests
{
    [Fact]
    public void Scaling_up_names_new_data_nodes_after_every_index_used_so_far()
    {
        var plan = NodeFleet.Scale(["data-1", "data-2"], 4, nextIndex: 0);
        Assert.Equal(["data-3", "data-4"], plan.Launch);
        Assert.Empty(plan.Retire);
        Assert.Equal(5, plan.NextIndex);

        // data-5 was started once and has gone: its name is not given to another process.
        var again = NodeFleet.Scale(["data-1", "data-2"], 3, nextIndex: 6);
        Assert.Equal(["data-6"], again.Launch);
        Assert.Equal(7, again.NextIndex);
    }

    [Fact]
    public void Scaling_down_retires_the_newest_data_nodes()
    {
        var plan = NodeFleet.Scale(["data-10", "data-2", "data-9", "data-1"], 2, nextIndex: 11);
        Assert.Equal(["data-10", "data-9"], plan.Retire);
        Assert.Empty(plan.Launch);
        Assert.Equal(11, plan.NextIndex);
        Assert.Throws<ArgumentOutOfRangeException>(() => NodeFleet.Scale(["data-1"], 0, 0));
    }

    [Theory]
    [InlineData(NodeRole.Gpu, JobPhase.Training, true)]
    [InlineData(NodeRole.Gpu, JobPhase.Waiting, true)]
    [InlineData(NodeRole.Gpu, JobPhase.Finished, false)]
    [InlineData(NodeRole.Data, JobPhase.Training, false)]
    public void Only_a_lost_trainer_of_a_running_job_is_replaced(NodeRole role, JobPhase phase, bool replaced) =>
        Assert.Equal(replaced, NodeFleet.ReplacesLost(role, phase));
}
