using Cluster.Shared.Planning;
using Cluster.Speech.Data;

namespace Cluster.Shared.Tests.Planning;

public class ShardPlanTests
{
    internal static EpochPlan Epoch(int utterances, int batchSize, int epoch = 0)
    {
        Utterance[] items = [.. Enumerable.Range(0, utterances)
            .Select(i => new Utterance($"u{i}", $"/corpus/u{i}.wav", "text") { Duration = 1 + i % 7 })];
        return new DurationBucketer(new BucketingOptions { BatchSize = batchSize, BucketCount = 3 }).Plan(items, seed: 7, epoch);
    }

    [Fact]
    public void Every_batch_of_the_epoch_plan_is_in_exactly_one_shard()
    {
        EpochPlan epoch = Epoch(utterances: 100, batchSize: 4, epoch: 2);

        ShardPlan plan = ShardPlan.Create(epoch, shardCount: 6);

        Assert.Equal(6, plan.Shards.Count);
        Assert.Equal(2, plan.Epoch);
        string[] all = [.. plan.Shards.SelectMany(s => s.BatchIds)];
        Assert.Equal(epoch.Batches.Select(b => b.BatchId).Order(), all.Order());
        Assert.All(plan.Shards, s => Assert.NotEmpty(s.BatchIds));
    }

    [Fact]
    public void Shards_are_strided_so_each_spans_the_whole_epoch_in_plan_order()
    {
        string[] ids = [.. Enumerable.Range(0, 10).Select(i => $"b{i}")];

        ShardPlan plan = ShardPlan.Create(0, ids, shardCount: 3);

        Assert.Equal(["b0", "b3", "b6", "b9"], plan.Shards[0].BatchIds);
        Assert.Equal(["b1", "b4", "b7"], plan.Shards[1].BatchIds);
        Assert.Equal(["b2", "b5", "b8"], plan.Shards[2].BatchIds);
        Assert.Equal(7, plan.PositionOf("b7"));
        Assert.Equal(1, plan.ShardOf("b7"));
    }

    [Fact]
    public void Fewer_batches_than_shards_gives_no_empty_shard()
    {
        ShardPlan plan = ShardPlan.Create(0, ["a", "b"], shardCount: 5);

        Assert.Equal(2, plan.Shards.Count);
    }

    [Fact]
    public void Repeated_batch_ids_and_unknown_lookups_are_refused()
    {
        Assert.Contains("'a' appears more than once", Assert.Throws<ArgumentException>(() => ShardPlan.Create(0, ["a", "b", "a"], 2)).Message);
        ShardPlan plan = ShardPlan.Create(1, ["a"], 1);
        Assert.Contains("'zz' is not a batch of epoch 1", Assert.Throws<ArgumentException>(() => plan.PositionOf("zz")).Message);
    }
}
