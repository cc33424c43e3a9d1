using Cluster.Shared.Planning;
namespace Cluster.GpuNode.Tests;

public sealed class RankScheduleTests
{
    // Two ranks, two steps; rank 0 accumulates two batches in step 2; rank 1 trains nothing in step 3.
    private static readonly ScheduledEntry[] Entries =
    [
        new(1, 0, "a", 0, 0), new(1, 1, "b", 1, 1),
        new(2, 0, "c", 0, 2), new(2, 0, "d", 1, 3), new(2, 1, "e", 0, 4),
        new(3, 0, "f", 1, 5),
    ];

    [Fact]
    public void Requests_run_ahead_in_step_order_within_the_credits()
    {
        var schedule = new RankSchedule(Entries, rank: 0, credits: 2);
        Assert.Equal(["a", "c"], schedule.TakeRequests().Select(e => e.BatchId));
        Assert.Empty(schedule.TakeRequests());
        Assert.True(schedule.Receive("a"));
        Assert.True(schedule.IsReady(1));
        Assert.Empty(schedule.TakeRequests());
        schedule.Trained(1);
        Assert.Equal(["d"], schedule.TakeRequests().Select(e => e.BatchId));
    }

    [Fact]
    public void A_next_epochs_schedule_takes_only_the_credits_the_current_one_leaves()
    {
        var current = new RankSchedule(Entries, rank: 0, credits: 3);
        var next = new RankSchedule([new(4, 0, "g", 0, 0), new(5, 0, "h", 0, 1)], rank: 0, credits: 3);
        current.TakeRequests();
        Assert.Equal(3, current.Open);
        Assert.Empty(next.TakeRequests(heldElsewhere: current.Open));
        current.Receive("a");
        current.Trained(1);
        Assert.Equal(["f"], current.TakeRequests().Select(e => e.BatchId));
        Assert.Empty(next.TakeRequests(heldElsewhere: current.Open));
        current.Receive("c");
        current.Receive("d");
        current.Trained(2);
        Assert.Equal(["g", "h"], next.TakeRequests(heldElsewhere: current.Open).Select(e => e.BatchId));
    }

    [Fact]
    public void Duplicates_other_ranks_batches_and_unrequested_batches_are_refused()
    {
        var schedule = new RankSchedule(Entries, rank: 0, credits: 4);
        schedule.TakeRequests();
        Assert.True(schedule.Receive("c"));
        Assert.False(schedule.Receive("c"));
        Assert.False(schedule.Receive("b"));
        Assert.False(schedule.Receive("e"));
        Assert.False(schedule.IsReady(2));
    }

    [Fact]
    public void A_rank_without_batches_in_a_step_still_has_the_step()
    {
        var schedule = new RankSchedule(Entries, rank: 1, credits: 4);
        Assert.Equal([1L, 2L, 3L], schedule.Steps);
        Assert.Empty(schedule.EntriesOf(3));
        Assert.True(schedule.IsReady(3));
    }

    [Fact]
    public void Outstanding_lists_requested_batches_that_have_not_arrived()
    {
        var schedule = new RankSchedule(Entries, rank: 0, credits: 3);
        schedule.TakeRequests();
        schedule.Receive("c");
        Assert.Equal(["a", "d"], schedule.Outstanding().Select(e => e.BatchId));
    }

    [Fact]
    public void A_batch_scheduled_twice_is_refused()
    {
        var error = Assert.Throws<ArgumentException>(() => new RankSchedule([new(1, 0, "a", 0, 0), new(2, 1, "a", 0, 1)], 0, 1));
        Assert.Contains("'a'", error.Message);
    }
}
