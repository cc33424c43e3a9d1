using Cluster.Coordinator.Jobs;
using Cluster.Shared.Planning;
using NodeRole = Cluster.Shared.Protocol.NodeRole;

namespace Cluster.Coordinator.Tests.Jobs;

/// <summary>The regroups, node failures and shard moves the job state counts for the metrics, each with its reason.</summary>
public sealed class JobEventCountsTests
{
    private static JobState Start() =>
        JobState.Start(new JobLimits(null, 1, 1, 2, 4), e => new PlannedEpoch(e, [.. Enumerable.Range(0, 8).Select(b => new EpochBatch($"e{e}-b{b}", [$"u{b}"]))]),
            "127.0.0.1", 29500);

    private static JobState Registered(JobState state, params string[] nodes)
    {
        foreach (string node in nodes)
        {
            state = state.Register(node.StartsWith("data", StringComparison.Ordinal)
                ? new NodeInfo(node, NodeRole.Data, $"cluster.tcp://{node}@127.0.0.1:1/user/data-node", 1, "")
                : new NodeInfo(node, NodeRole.Gpu, $"cluster.tcp://{node}@127.0.0.1:2/user/trainer", 2, "cpu")).State;
        }
        return state;
    }

    [Fact]
    public void A_joining_data_node_moves_shards_but_the_first_placement_is_no_move()
    {
        var one = Registered(Start(), "data-1", "gpu-0", "gpu-1");
        Assert.Equal(JobPhase.Training, one.Phase);
        Assert.Empty(one.Events.ShardMoves);
        var two = Registered(one, "data-2");
        Assert.Equal(2, two.Events.ShardMoves[ShardMoveReasons.NodeJoined]);
        Assert.Empty(two.Events.NodeFailures);
    }

    [Fact]
    public void A_lost_data_node_is_a_failure_and_its_shards_move_a_retired_one_is_not_a_failure()
    {
        var state = Registered(Start(), "data-1", "data-2", "data-3", "gpu-0", "gpu-1");
        var lost = state.Lost("data-2", NodeFailureReasons.Unreachable).State;
        Assert.Equal(1, lost.Events.NodeFailures[("data", NodeFailureReasons.Unreachable)]);
        Assert.True(lost.Events.ShardMoves[ShardMoveReasons.NodeLost] > 0);

        var retired = lost.Retire("data-3").State;
        Assert.Single(retired.Events.NodeFailures.Keys, key => key.Role == "data");
        Assert.True(retired.Events.ShardMoves[ShardMoveReasons.NodeRetired] > 0);
    }

    [Fact]
    public void Losing_a_trainer_of_the_group_counts_a_failure_and_a_regroup_by_why()
    {
        var training = Registered(Start(), "data-1", "gpu-0", "gpu-1");
        Assert.Equal(JobPhase.Training, training.Phase);
        var lost = training.Lost("gpu-1", NodeFailureReasons.Exited).State;
        Assert.Equal(1, lost.Events.NodeFailures[("gpu", NodeFailureReasons.Exited)]);
        Assert.Equal(1, lost.Events.Regroups[RegroupReasons.TrainerLost]);

        var rejoined = Registered(lost, "gpu-1");
        Assert.Equal(JobPhase.Training, rejoined.Phase);
        var replaced = Registered(rejoined, "gpu-1"); // a new process under a name already registered
        Assert.Equal(1, replaced.Events.NodeFailures[("gpu", NodeFailureReasons.Replaced)]);
        Assert.Equal(2, replaced.Events.Regroups[RegroupReasons.TrainerLost]);
    }
}
