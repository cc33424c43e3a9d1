using Cluster.Shared.Planning;

namespace Cluster.Shared.Tests.Planning;

public class ShardAllocatorTests
{
    private static int[] Loads(ShardAllocator allocator) => [.. allocator.Nodes.Select(n => allocator.ShardsOf(n).Count)];

    [Fact]
    public void Initial_allocation_is_balanced_and_complete()
    {
        var allocator = ShardAllocator.Create(Enumerable.Range(0, 10), ["c", "a", "b"]);

        Assert.Equal([4, 3, 3], Loads(allocator));
        Assert.All(allocator.Owners.Values, owner => Assert.NotNull(owner));
    }

    [Fact]
    public void A_joining_node_takes_just_its_share_and_only_from_others()
    {
        var before = ShardAllocator.Create(Enumerable.Range(0, 12), ["a", "b", "c"]);

        var after = before.WithNode("d");

        var moves = ShardAllocator.Moves(before, after);
        Assert.Equal(3, moves.Count);
        Assert.All(moves, m => Assert.Equal("d", m.To));
        Assert.Equal([3, 3, 3, 3], Loads(after));
    }

    [Fact]
    public void A_leaving_node_hands_over_only_its_own_shards()
    {
        var before = ShardAllocator.Create(Enumerable.Range(0, 12), ["a", "b", "c", "d"]);
        IReadOnlyList<int> ofB = before.ShardsOf("b");

        var after = before.WithoutNode("b");

        var moves = ShardAllocator.Moves(before, after);
        Assert.Equal(ofB, moves.Select(m => m.Shard));
        Assert.All(moves, m => Assert.Equal("b", m.From));
        Assert.Equal([4, 4, 4], Loads(after));
    }

    [Fact]
    public void Shards_wait_without_owner_while_no_node_is_live_and_go_to_the_next_to_join()
    {
        var alone = ShardAllocator.Create(Enumerable.Range(0, 4), ["a"]);

        var empty = alone.WithoutNode("a");
        Assert.All(empty.Owners.Values, Assert.Null);

        var rejoined = empty.WithNode("b");
        Assert.Equal([0, 1, 2, 3], rejoined.ShardsOf("b"));
    }

    [Fact]
    public void Finished_shards_leave_without_moving_the_others()
    {
        var before = ShardAllocator.Create(Enumerable.Range(0, 6), ["a", "b"]);

        var after = before.WithoutShard(0).WithoutShard(2);

        Assert.Equal([new ShardMove(0, "a", null), new ShardMove(2, "a", null)], ShardAllocator.Moves(before, after));
    }

    [Fact]
    public void Random_joins_and_leaves_keep_loads_within_one_and_move_only_what_they_must()
    {
        var rng = new Random(11);
        var allocator = ShardAllocator.Create(Enumerable.Range(0, 40), ["n0", "n1"]);
        int next = 2;
        for (int round = 0; round < 200; round++)
        {
            ShardAllocator before = allocator;
            bool join = allocator.Nodes.Count < 2 || rng.Next(2) == 0;
            string node = join ? $"n{next++}" : allocator.Nodes.ElementAt(rng.Next(allocator.Nodes.Count));
            allocator = join ? allocator.WithNode(node) : allocator.WithoutNode(node);

            int[] loads = Loads(allocator);
            Assert.True(loads.Max() - loads.Min() <= 1, $"round {round}: loads {string.Join(",", loads)}");
            var moves = ShardAllocator.Moves(before, allocator);
            if (join)
            {
                Assert.All(moves, m => Assert.Equal(node, m.To));
                Assert.Equal(40 / allocator.Nodes.Count, moves.Count);
            }
            else
            {
                Assert.All(moves, m => Assert.Equal(node, m.From));
            }
        }
    }
}
