using Cluster.Torch.Distributed;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests.Distributed;

/// <summary>
/// Gloo collectives between ranks running as threads over 127.0.0.1; expected values are reduced
/// by hand in C# from the inputs each rank generated, never by libtorch.
/// </summary>
public sealed class CollectiveTests
{
    private static float[] InputOf(int rank, int length)
    {
        var random = new Random(1000 + rank);
        return Enumerable.Range(0, length).Select(_ => (float)Math.Round(random.NextDouble() * 20 - 10, 3)).ToArray();
    }

    private static float[] Reduce(int worldSize, int length, Func<float, float, float> combine)
    {
        var result = InputOf(0, length);
        for (var r = 1; r < worldSize; r++)
        {
            var next = InputOf(r, length);
            for (var i = 0; i < length; i++) result[i] = combine(result[i], next[i]);
        }
        return result;
    }

    [Theory]
    [InlineData(2, ReduceOp.Sum)]
    [InlineData(3, ReduceOp.Sum)]
    [InlineData(2, ReduceOp.Max)]
    [InlineData(3, ReduceOp.Max)]
    [InlineData(2, ReduceOp.Min)]
    [InlineData(3, ReduceOp.Min)]
    [InlineData(3, ReduceOp.Avg)]
    public void All_reduce_equals_the_reduction_by_hand(int worldSize, ReduceOp op)
    {
        const int length = 37;
        var expected = op switch
        {
            ReduceOp.Sum => Reduce(worldSize, length, (a, b) => a + b),
            ReduceOp.Max => Reduce(worldSize, length, Math.Max),
            ReduceOp.Min => Reduce(worldSize, length, Math.Min),
            _ => Reduce(worldSize, length, (a, b) => a + b).Select(v => v / worldSize).ToArray(),
        };
        using var world = new LoopbackWorld(worldSize);
        var results = world.Run(pg =>
        {
            using var t = tensor(InputOf(pg.Rank, length), length);
            pg.AllReduce(t, op);
            return t.ToArray<float>();
        });
        foreach (var result in results)
            for (var i = 0; i < length; i++) Assert.Equal(expected[i], result[i], 4);
    }

    [Fact]
    public void All_reduce_of_integers_and_of_a_strided_view_writes_back_in_place()
    {
        using var world = new LoopbackWorld(2);
        var results = world.Run(pg =>
        {
            using var ints = tensor(new long[] { pg.Rank + 1, 10 * (pg.Rank + 1) }, 2);
            pg.AllReduce(ints);
            // A transposed view is not contiguous: it travels as a copy and must land back in place.
            using var matrix = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
            using var view = matrix.t();
            view.mul_(pg.Rank + 1);
            pg.AllReduce(view, ReduceOp.Max);
            return (ints.ToArray<long>(), matrix.ToArray<float>());
        });
        foreach (var (ints, matrix) in results)
        {
            Assert.Equal(new long[] { 3, 30 }, ints);
            Assert.Equal(new float[] { 2, 4, 6, 8, 10, 12 }, matrix);
        }
    }

    [Fact]
    public void Coalesced_all_reduce_reduces_a_bucket_of_differently_shaped_tensors()
    {
        using var world = new LoopbackWorld(3);
        var sum = Reduce(3, 6 + 4 + 1, (a, b) => a + b);
        var results = world.Run(pg =>
        {
            var input = InputOf(pg.Rank, 11);
            using var a = tensor(input[..6], 2, 3);
            using var b = tensor(input[6..10], 4);
            using var c = tensor(input[10..], 1, 1);
            using (var work = pg.BeginAllReduceCoalesced([a, b, c], ReduceOp.Avg)) work.Wait();
            return (a.shape, a.ToArray<float>().Concat(b.ToArray<float>()).Concat(c.ToArray<float>()).ToArray());
        });
        foreach (var (shape, values) in results)
        {
            Assert.Equal(new long[] { 2, 3 }, shape);
            for (var i = 0; i < sum.Length; i++) Assert.Equal(sum[i] / 3, values[i], 4);
        }
    }

    [Theory]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void Broadcast_copies_the_roots_tensor_to_every_rank(int worldSize, int root)
    {
        using var world = new LoopbackWorld(worldSize);
        var results = world.Run(pg =>
        {
            using var t = tensor(InputOf(pg.Rank, 5), 5);
            pg.Broadcast(t, root);
            return t.ToArray<float>();
        });
        foreach (var result in results) Assert.Equal(InputOf(root, 5), result);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void All_gather_returns_every_ranks_input_in_rank_order(int worldSize)
    {
        using var world = new LoopbackWorld(worldSize);
        var results = world.Run(pg =>
        {
            using var scope = NewDisposeScope();
            var gathered = pg.AllGather(tensor(InputOf(pg.Rank, 6), 2, 3));
            return gathered.Select(g => (g.shape, g.ToArray<float>())).ToArray();
        });
        foreach (var gathered in results)
        {
            Assert.Equal(worldSize, gathered.Length);
            for (var r = 0; r < worldSize; r++)
            {
                Assert.Equal(new long[] { 2, 3 }, gathered[r].shape);
                Assert.Equal(InputOf(r, 6), gathered[r].Item2);
            }
        }
    }

    [Fact]
    public void Barrier_holds_every_rank_until_the_last_one_arrives()
    {
        // Rank 2 arrives only once ranks 0 and 1 are on their way in, and says so just before: whoever leaves the
        // barrier must find it said.
        using var world = new LoopbackWorld(3);
        using var othersEntering = new CountdownEvent(2);
        int lastArrived = 0;
        var sawLastArrival = world.Run(pg =>
        {
            if (pg.Rank == 2)
            {
                othersEntering.Wait();
                Volatile.Write(ref lastArrived, 1);
            }
            else
            {
                othersEntering.Signal();
            }
            pg.Barrier();
            return Volatile.Read(ref lastArrived) == 1;
        });
        Assert.All(sawLastArrival, Assert.True);
    }

    [Fact]
    public void A_bounded_wait_returns_false_while_a_peer_is_late_and_the_work_completes_later()
    {
        using var world = new LoopbackWorld(2);
        using var boundedWaitDone = new ManualResetEventSlim();
        var results = world.RunRanks(rank =>
        {
            // Without shape verification Begin* returns before the peer arrives. Rank 1 joins only after rank 0's
            // bounded wait has returned, so that wait cannot have seen the broadcast complete.
            using var pg = new ProcessGroup(world.StoreOf(rank), world.Options(rank, group: "late") with { VerifyShapes = false });
            using var t = full([2], rank == 0 ? 5.0 : 0.0);
            if (rank == 1) boundedWaitDone.Wait();
            using var work = pg.BeginBroadcast(t, 0);
            var early = rank == 1 || work.Wait(TimeSpan.FromMilliseconds(100));
            if (rank == 0) boundedWaitDone.Set();
            work.Wait();
            return (early, work.IsCompleted, t.ToArray<float>());
        });
        Assert.False(results[0].early, "rank 0's bounded wait returned true before rank 1 joined the broadcast");
        foreach (var (_, completed, values) in results)
        {
            Assert.True(completed);
            Assert.Equal(new float[] { 5, 5 }, values);
        }
    }

    [Fact]
    public void Async_works_complete_in_issue_order_and_report_completion()
    {
        using var world = new LoopbackWorld(2);
        var results = world.Run(pg =>
        {
            using var a = full([4], pg.Rank + 1.0);
            using var b = full([4], 10.0 * (pg.Rank + 1));
            using var first = pg.BeginAllReduce(a);
            using var second = pg.BeginAllReduce(b, ReduceOp.Max);
            Assert.True(second.Wait(LoopbackWorld.Generous));
            first.Wait();
            Assert.True(first.IsCompleted);
            return (a.ToArray<float>(), b.ToArray<float>());
        });
        foreach (var (a, b) in results)
        {
            Assert.All(a, v => Assert.Equal(3f, v));
            Assert.All(b, v => Assert.Equal(20f, v));
        }
    }
}
