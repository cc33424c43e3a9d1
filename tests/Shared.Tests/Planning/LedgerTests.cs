using System.Text.Json;
using Cluster.Shared.Planning;

namespace Cluster.Shared.Tests.Planning;

public class LedgerTests
{
    private static readonly ShardPlan Plan = ShardPlan.Create(3, [.. Enumerable.Range(0, 10).Select(i => $"e3-b{i}")], shardCount: 2);

    [Fact]
    public void A_batch_is_committed_once_and_a_second_commit_is_a_duplicate()
    {
        var first = Ledger.Start(Plan).Commit(0, ["e3-b0", "e3-b1"]);
        var second = first.Ledger.Commit(1, ["e3-b1", "e3-b2"]);

        Assert.Equal(["e3-b0", "e3-b1"], first.Accepted);
        Assert.Equal(["e3-b2"], second.Accepted);
        Assert.Equal(["e3-b1"], second.Duplicates);
        Assert.Equal(3, second.Ledger.CommittedCount);
        Assert.Equal(2, first.Ledger.CommittedCount);
    }

    [Fact]
    public void Batches_in_flight_are_not_produced_again_until_their_sender_is_lost()
    {
        var ledger = Ledger.Start(Plan).Sent("e3-b0", "dn1").Sent("e3-b2", "dn1").Sent("e3-b4", "dn2");
        ledger = ledger.Commit(0, ["e3-b0"]).Ledger;

        Assert.Equal(["e3-b6", "e3-b8"], ledger.MustProduce(0));

        var afterLoss = ledger.SenderLost("dn1");
        Assert.Equal(["e3-b2", "e3-b6", "e3-b8"], afterLoss.MustProduce(0));
        Assert.Equal("dn2", afterLoss.SenderOf("e3-b4"));
        Assert.Null(afterLoss.SenderOf("e3-b2"));
    }

    [Fact]
    public void A_commit_from_before_the_current_step_and_unknown_ids_are_refused()
    {
        var ledger = Ledger.Start(Plan).Commit(5, ["e3-b0"]).Ledger;

        Assert.Contains("step 4 commits after step 5", Assert.Throws<ArgumentException>(() => ledger.Commit(4, ["e3-b1"])).Message);
        Assert.Contains("e9-b1", Assert.Throws<ArgumentException>(() => ledger.Commit(5, ["e9-b1"])).Message);
        Assert.Throws<ArgumentException>(() => ledger.Sent("e9-b1", "dn1"));
    }

    [Fact]
    public void Cursor_at_a_step_leaves_out_later_commits_and_survives_json()
    {
        var ledger = Ledger.Start(Plan)
            .Commit(0, ["e3-b0", "e3-b1"]).Ledger
            .Commit(1, ["e3-b2", "e3-b5"]).Ledger
            .Commit(2, ["e3-b3", "e3-b4"]).Ledger
            .Sent("e3-b6", "dn1");

        LedgerCursor cursor = ledger.CursorAt(1);
        Assert.Equal([new CommittedRange(0, 3), new CommittedRange(5, 1)], cursor.Committed);

        string json = JsonSerializer.Serialize(cursor);
        var restored = Ledger.Restore(Plan, JsonSerializer.Deserialize<LedgerCursor>(json)!);

        Assert.Equal(cursor, restored.CursorAt(1));
        Assert.Equal(1, restored.Step);
        Assert.Equal(0, restored.InFlightCount);
        Assert.Equal(["e3-b3", "e3-b4", "e3-b6", "e3-b7", "e3-b8", "e3-b9"], restored.Outstanding());
    }

    [Fact]
    public void Rolling_back_undoes_later_commits_and_forgets_what_was_in_flight()
    {
        var ledger = Ledger.Start(Plan).Commit(0, ["e3-b0"]).Ledger.Commit(1, ["e3-b1"]).Ledger.Sent("e3-b2", "dn1");

        var back = ledger.RollBackTo(0);

        Assert.True(back.IsCommitted("e3-b0"));
        Assert.False(back.IsCommitted("e3-b1"));
        Assert.Equal(0, back.InFlightCount);
        Assert.Equal(["e3-b2", "e3-b4", "e3-b6", "e3-b8"], back.MustProduce(0));
    }

    [Theory]
    [InlineData(4, 1, 10, "epoch 4")]
    [InlineData(3, 1, 11, "counts 11 batches")]
    [InlineData(3, 1, 10, "overlaps", 0, 3, 2, 2)]
    [InlineData(3, 1, 10, "runs past", 8, 3)]
    [InlineData(3, 1, 10, "empty", 0, 0)]
    public void Restore_refuses_a_cursor_of_another_plan_or_with_bad_ranges(int epoch, long step, int count, string reason, params int[] ranges)
    {
        CommittedRange[] committed = [.. ranges.Chunk(2).Select(r => new CommittedRange(r[0], r[1]))];

        var error = Assert.Throws<InvalidDataException>(() => Ledger.Restore(Plan, new LedgerCursor(epoch, step, count, committed)));

        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Complete_when_every_batch_is_committed()
    {
        var ledger = Ledger.Start(Plan).Commit(0, Plan.BatchIds.Take(9).ToArray()).Ledger;
        Assert.False(ledger.IsComplete);

        Assert.True(ledger.Commit(1, ["e3-b9"]).Ledger.IsComplete);
    }
}
