using Cluster.Shared.Protocol;

namespace Cluster.GpuNode.Tests;

public sealed class EpochWorkTests
{
    private const string NodeA = "cluster.tcp://data-1@127.0.0.1:1/user/data-node";
    private const string NodeB = "cluster.tcp://data-2@127.0.0.1:2/user/data-node";

    // One rank; shards 0 and 1, four steps of one batch each.
    private static EpochWork Work(int credits = 4)
    {
        var schedule = new EpochSchedule { Generation = 1, Epoch = 2, CommittedBefore = """{"epoch":2,"step":-1,"batch_count":4,"committed":[]}""" };
        for (int k = 0; k < 4; k++) schedule.Batches.Add(new ScheduledBatch { Step = 10 + k, Rank = 0, BatchId = $"b{k}", Shard = k % 2, Position = k });
        return EpochWork.From(schedule, rank: 0, credits);
    }

    [Fact]
    public void After_shards_move_only_batches_whose_owner_changed_are_asked_again_and_a_finishing_owner_keeps_its_own()
    {
        var work = Work();
        var asked = work.Schedule.TakeRequests();
        work.AskedFrom(asked.Where(e => e.Shard == 0), NodeA);
        work.AskedFrom(asked.Where(e => e.Shard == 1), NodeB);
        Assert.True(work.Receive(new BatchData { Epoch = 2, BatchId = "b0" }));

        // Shard 1 moves from B to A: b1 and b3 are asked again; b2 (still A's) is not built twice.
        var moved = new Dictionary<int, string> { [0] = NodeA, [1] = NodeA };
        Assert.Equal(["b1", "b3"], work.ToAskAgain(moved, []).Select(e => e.BatchId));
        // B was retired and still delivers what it was asked: nothing is asked again until it has gone.
        Assert.Empty(work.ToAskAgain(moved, [NodeB]));
        // A refused b2 (it lost the shard meanwhile): asked again at the next owners, whoever owns it.
        work.Refused("b2");
        Assert.Equal(["b2"], work.ToAskAgain(moved, [NodeB]).Select(e => e.BatchId));
        Assert.Equal("b2", work.Outstanding("b2")?.BatchId);
        Assert.Null(work.Outstanding("b0"));
    }

    [Fact]
    public void Steps_are_trained_in_order_once_their_batches_are_there()
    {
        var work = Work(credits: 2);
        Assert.Equal(10, work.NextStep);
        Assert.Equal(["b0", "b1"], work.Schedule.TakeRequests().Select(e => e.BatchId));
        Assert.Null(work.ReadyBatches(10));
        Assert.False(work.Receive(new BatchData { Epoch = 2, BatchId = "b2" }), "not requested yet");
        Assert.True(work.Receive(new BatchData { Epoch = 2, BatchId = "b0" }));
        Assert.False(work.Receive(new BatchData { Epoch = 2, BatchId = "b0" }), "a duplicate");
        Assert.Equal(["b0"], work.ReadyBatches(10)!.Select(b => b.BatchId));
        work.Trained(10);
        Assert.Equal(11, work.NextStep);
        Assert.Empty(work.Arrived);
        Assert.Equal(["b2"], work.Schedule.TakeRequests().Select(e => e.BatchId));
    }
}
