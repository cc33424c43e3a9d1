using Cluster.DataNode;

namespace Cluster.DataNode.Tests;

/// <summary>The data node's routing decisions, without actors (the actor tests check the messages around them).</summary>
public sealed class ShardTableTests
{
    private static IReadOnlyDictionary<ShardKey, IReadOnlyDictionary<string, IReadOnlyList<string>>> Shards(params (int Epoch, int Shard, string[] Batches)[] shards) =>
        shards.ToDictionary(
            s => new ShardKey(s.Epoch, s.Shard),
            s => (IReadOnlyDictionary<string, IReadOnlyList<string>>)s.Batches.ToDictionary(b => b, b => (IReadOnlyList<string>)[$"{b}-item"]));

    [Fact]
    public void An_assignment_drops_keeps_and_adds_shards_and_an_older_one_arriving_late_is_ignored()
    {
        var table = new ShardTable();
        var first = table.Assign(1, Shards((0, 0, ["b0", "b1"]), (0, 1, ["b2"])))!;
        Assert.Equal([new ShardKey(0, 0), new ShardKey(0, 1)], first.Added.Keys.OrderBy(k => k.Shard));
        Assert.Empty(first.Dropped);

        var second = table.Assign(3, Shards((0, 1, ["b2", "b3"]), (1, 0, ["c0"])))!;
        Assert.Equal([new ShardKey(0, 0)], second.Dropped);
        Assert.Equal(["b2", "b3"], second.Kept[new ShardKey(0, 1)].Keys);
        Assert.Equal([new ShardKey(1, 0)], second.Added.Keys);
        Assert.Equal((2, 3), (table.Shards, table.Batches));

        Assert.Null(table.Assign(2, Shards((0, 0, ["b0"]))));
        Assert.Equal((2, 3), (table.Shards, table.Batches));
    }

    [Fact]
    public void Requests_go_to_the_owning_shard_and_others_are_refused_with_the_reason()
    {
        var table = new ShardTable();
        table.Assign(0, Shards((0, 0, ["b0"]), (0, 1, ["b1"])));

        var routed = table.Route("data-1", 0, ["b1", "b0", "b9"]);

        Assert.Equal([new ShardKey(0, 1), new ShardKey(0, 0), null], routed.Select(r => r.Shard));
        Assert.Equal("data-1 does not own the shard of batch b9 (epoch 0)", routed[2].Refusal);
        Assert.Equal(2, table.InFlight);
        // The same batch id of another epoch is another batch.
        Assert.Null(Assert.Single(table.Route("data-1", 1, ["b0"])).Shard);
    }

    [Fact]
    public void A_request_for_an_epoch_not_yet_assigned_waits_unless_the_node_is_stopping()
    {
        var table = new ShardTable();
        Assert.True(table.MustWait(0)); // nothing assigned yet
        table.Assign(0, Shards((0, 0, ["b0"])));
        Assert.False(table.MustWait(0));
        Assert.True(table.MustWait(1)); // overtook epoch 1's assignment
        table.Stop("scaled down");
        Assert.False(table.MustWait(1));
        Assert.Equal("data-1 is stopping", Assert.Single(table.Route("data-1", 1, ["c0"])).Refusal);
    }

    [Fact]
    public void An_empty_assignment_answers_a_request_of_any_epoch_at_once()
    {
        var table = new ShardTable();
        table.Assign(4, Shards());
        Assert.False(table.MustWait(7));
        Assert.NotNull(Assert.Single(table.Route("data-1", 7, ["x"])).Refusal);
    }

    [Fact]
    public void A_stopping_node_exits_once_every_request_in_flight_is_answered_or_its_shard_dropped()
    {
        var table = new ShardTable();
        table.Assign(0, Shards((0, 0, ["b0", "b1"]), (0, 1, ["b2"])));
        table.Route("data-1", 0, ["b0", "b1", "b2"]);
        Assert.False(table.CanExit); // not asked to stop

        table.Stop(null);
        Assert.Equal("stop requested", table.StopReason);
        Assert.False(table.CanExit);
        table.Answered(new ShardKey(0, 0), 2);
        Assert.False(table.CanExit);
        table.Assign(1, Shards((0, 0, ["b0", "b1"]))); // shard 1 moved away: its request is the new owner's now
        Assert.True(table.CanExit);
        table.Answered(new ShardKey(0, 1), 1); // a late answer from the dropped shard changes nothing
        Assert.Equal(0, table.InFlight);
    }

    [Fact]
    public void A_batch_asked_for_again_while_it_builds_joins_that_build_and_reaches_each_requester_once()
    {
        var builds = new ShardBuilds<string>(new Dictionary<string, IReadOnlyList<string>> { ["b0"] = ["u1", "u2"] });

        Assert.Equal(["u1", "u2"], builds.Request("b0", "gpu-0").Items);
        Assert.Same(BuildStart.Joined, builds.Request("b0", "gpu-1"));
        Assert.Same(BuildStart.Joined, builds.Request("b0", "gpu-0")); // the same trainer asking again
        Assert.Same(BuildStart.Unknown, builds.Request("b7", "gpu-0"));

        var (recipients, requests) = builds.Finished("b0")!.Value;
        Assert.Equal(["gpu-0", "gpu-1"], recipients);
        Assert.Equal(3, requests); // each request was counted in flight
        Assert.Null(builds.Finished("b0"));
        Assert.NotNull(builds.Request("b0", "gpu-2").Items); // built again when asked after it went out
    }
}
