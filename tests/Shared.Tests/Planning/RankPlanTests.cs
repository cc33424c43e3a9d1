using Cluster.Shared.Planning;

namespace Cluster.Shared.Tests.Planning;

public class RankPlanTests
{
    [Fact]
    public void Joins_take_the_next_ranks_each_in_a_new_generation()
    {
        RankPlan plan = RankPlan.Empty.WithJoined("g1").WithJoined("g0");

        Assert.Equal(2, plan.Generation);
        Assert.Equal(2, plan.WorldSize);
        Assert.Equal(0, plan.RankOf("g1"));
        Assert.Equal(1, plan.RankOf("g0"));
        Assert.Equal("g1", plan.RankZero);
    }

    [Fact]
    public void A_leaving_member_closes_the_gap_and_rank_zero_stays_while_it_lives()
    {
        RankPlan plan = RankPlan.Empty.FormedFrom(["a", "b", "c", "d"]);

        RankPlan after = plan.WithLeft("b");

        Assert.Equal(plan.Generation + 1, after.Generation);
        Assert.Equal(["a", "c", "d"], after.Members);
        Assert.Null(after.RankOf("b"));
        Assert.Equal("a", after.RankZero);
        Assert.Equal("c", after.WithLeft("a").RankZero);
    }

    [Fact]
    public void No_change_keeps_the_generation()
    {
        RankPlan plan = RankPlan.Empty.FormedFrom(["a", "b"]);

        Assert.Same(plan, plan.WithJoined("a"));
        Assert.Same(plan, plan.WithLeft("zz"));
        Assert.Same(plan, plan.FormedFrom(["b", "a"]));
    }

    [Fact]
    public void Forming_from_a_new_set_keeps_survivor_order_then_adds_newcomers_by_id()
    {
        RankPlan plan = RankPlan.Empty.FormedFrom(["c", "a", "b"]);
        Assert.Equal(["a", "b", "c"], plan.Members);

        RankPlan reformed = plan.FormedFrom(["z", "c", "y", "a"]);

        Assert.Equal(["a", "c", "y", "z"], reformed.Members);
        Assert.Equal(plan.Generation + 1, reformed.Generation);
    }

    [Fact]
    public void Batches_are_routed_by_position_to_a_fixed_rank()
    {
        RankPlan plan = RankPlan.Empty.FormedFrom(["a", "b", "c"]);

        Assert.Equal([0, 1, 2, 0, 1], Enumerable.Range(0, 5).Select(plan.RankOfPosition));
        Assert.Throws<InvalidOperationException>(() => RankPlan.Empty.RankOfPosition(0));
    }
}
