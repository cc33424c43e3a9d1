using Cluster.Torch.Distributed;
using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests.Distributed;

/// <summary>
/// What a rank sees when the group goes wrong: a peer that never joins the collective, an abort,
/// ranks that disagree on shapes, and bad arguments. Every failure must be a TorchException (or an
/// argument exception) with a message that says what happened. What ended a wait is read from the message, not from a
/// clock: a timeout says "Timed out"; an abort or a failed peer must end it without one, under a timeout long enough
/// (<see cref="LoopbackWorld.Generous"/>) that only a missing abort could reach it.
/// </summary>
public sealed class FailureTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(2);

    [Fact]
    public void A_collective_that_one_rank_never_joins_fails_within_the_timeout()
    {
        using var world = new LoopbackWorld(2);
        using var rank1Done = new ManualResetEventSlim();
        var outcomes = world.Run(pg =>
        {
            if (pg.Rank == 1)
            {
                rank1Done.Wait(TimeSpan.FromSeconds(30));
                return (Exception?)null;
            }
            using var t = ones(8);
            var error = Record.Exception(() => pg.AllReduce(t));
            rank1Done.Set();
            return error;
        }, Short);
        var torchError = Assert.IsType<TorchException>(outcomes[0]);
        Assert.Contains("all_reduce on rank 0 of 2", torchError.Message);
        // The group's own 2 s timeout ended it, and the message says so.
        Assert.Contains("Timed out", torchError.Message);
        Assert.Contains("2000", torchError.Message);
    }

    [Fact]
    public void Joining_fails_within_the_timeout_when_a_rank_never_arrives_and_the_store_stays_usable()
    {
        using var world = new LoopbackWorld(2);
        var error = Assert.ThrowsAny<TorchException>(() => new ProcessGroup(world.StoreOf(0), world.Options(0, Short, "lonely")));
        Assert.Contains("joining gloo group 'lonely' as rank 0 of 2 failed (every rank must join within 2000 ms)", error.Message);
        // Both ranks can still form a group on the same store afterwards, under a new name.
        var sums = world.Run(pg =>
        {
            using var t = full([1], pg.Rank + 1.0);
            pg.AllReduce(t);
            return t.item<float>();
        }, group: "second");
        Assert.All(sums, s => Assert.Equal(3f, s));
    }

    [Fact]
    public void Abort_unblocks_the_ranks_waiting_for_a_rank_that_hangs()
    {
        // Ranks 0 and 1 enter an all-reduce that rank 2 never joins (it hangs); as a coordinator would, each survivor
        // aborts while it waits. The abort must end the wait, not the 20 s timeout. An abort that comes just before the
        // call ends it as well: the call then finds the group aborted.
        using var world = new LoopbackWorld(3);
        using var release = new ManualResetEventSlim();
        var outcomes = world.Run(pg =>
        {
            if (pg.Rank == 2)
            {
                release.Wait(TimeSpan.FromSeconds(30));
                return (Exception?)null;
            }
            using var entering = new ManualResetEventSlim();
            var aborter = Task.Run(() =>
            {
                entering.Wait();
                Assert.True(pg.Abort(), "abort could only close the connections");
            });
            using var t = ones(4);
            entering.Set();
            var error = Record.Exception(() => pg.AllReduce(t));
            aborter.Wait();
            if (pg.Rank == 0) release.Set();
            return error;
        }, LoopbackWorld.Generous);
        for (var rank = 0; rank < 2; rank++)
        {
            var message = Assert.IsType<TorchException>(outcomes[rank]).Message;
            // Aborted inside the call, or just before it: either way the abort ended it.
            Assert.True(message.Contains($"all_reduce on rank {rank} of 3") || message.Contains("was aborted"), message);
            Assert.DoesNotContain("Timed out", message);
        }
    }

    [Fact]
    public void Abort_breaks_the_connections_so_a_peer_waiting_on_this_rank_fails_at_once()
    {
        // Rank 1 waits in an all-reduce for rank 0, which aborts instead of joining (once rank 1 is about to call it).
        using var world = new LoopbackWorld(2);
        using var entering = new ManualResetEventSlim();
        var outcomes = world.Run(pg =>
        {
            if (pg.Rank == 0)
            {
                entering.Wait();
                Assert.True(pg.Abort(), "abort could only close the connections");
                return (Exception?)null;
            }
            using var t = ones(4);
            entering.Set();
            return Record.Exception(() => pg.AllReduce(t));
        }, LoopbackWorld.Generous);
        var peer = Assert.IsType<TorchException>(outcomes[1]);
        Assert.Contains("all_reduce on rank 1 of 2", peer.Message);
        Assert.DoesNotContain("Timed out", peer.Message); // the closed connections ended it, not the 20 s timeout
    }

    [Fact]
    public void An_aborted_group_rejects_further_collectives_and_dispose_does_not_hang()
    {
        using var world = new LoopbackWorld(2);
        var errors = world.Run(pg =>
        {
            Assert.True(pg.Abort(), "abort could only close the connections");
            Assert.True(pg.IsAborted);
            using var t = ones(2);
            return Record.Exception(() => pg.AllReduce(t));
        });
        foreach (var error in errors)
            Assert.Contains("was aborted", Assert.IsType<TorchException>(error).Message);
    }

    [Fact]
    public void Disposing_a_group_with_a_pending_collective_ends_it_without_waiting_for_the_timeout()
    {
        using var world = new LoopbackWorld(2);
        using var release = new ManualResetEventSlim();
        var outcomes = world.RunRanks(rank =>
        {
            // Without shape verification a Begin* call returns at once, leaving the work pending.
            var pg = new ProcessGroup(world.StoreOf(rank), world.Options(rank, LoopbackWorld.Generous, "dispose") with { VerifyShapes = false });
            world.Meet();
            if (rank == 1)
            {
                release.Wait(TimeSpan.FromSeconds(30));
                pg.Dispose();
                return (Exception?)null;
            }
            using var work = pg.BeginBarrier();
            pg.Dispose();
            var error = Record.Exception(work.Wait);
            release.Set();
            return error;
        });
        // Ended by the dispose: rank 1 only disposes after this, so the barrier could never have completed.
        Assert.DoesNotContain("Timed out", Assert.IsType<TorchException>(outcomes[0]).Message);
    }

    [Fact]
    public void Ranks_with_mismatched_shapes_fail_together_and_the_group_stays_usable()
    {
        using var world = new LoopbackWorld(2);
        var outcomes = world.Run(pg =>
        {
            using var t = ones(pg.Rank == 0 ? 4 : 8);
            var error = Record.Exception(() => pg.AllReduce(t));
            using var after = full([2], pg.Rank + 1.0);
            pg.AllReduce(after);
            return (error, after.ToArray<float>());
        });
        foreach (var (error, after) in outcomes)
        {
            var message = Assert.IsType<TorchException>(error).Message;
            Assert.Contains("ranks disagree", message);
            Assert.Contains("rank 0: all_reduce(sum) of 1 Float tensor(s), 4 elements, first shape [4]", message);
            Assert.Contains("rank 1: all_reduce(sum) of 1 Float tensor(s), 8 elements, first shape [8]", message);
            Assert.Equal(new float[] { 3, 3 }, after);
        }
    }

    [Fact]
    public void Ranks_calling_different_collectives_fail_together()
    {
        using var world = new LoopbackWorld(2);
        var errors = world.Run(pg =>
        {
            using var t = ones(2);
            return Record.Exception(() =>
            {
                if (pg.Rank == 0) pg.Barrier();
                else pg.Broadcast(t, 0);
            });
        });
        foreach (var error in errors)
        {
            var message = Assert.IsType<TorchException>(error).Message;
            Assert.Contains("rank 0: barrier", message);
            Assert.Contains("rank 1: broadcast(root 0) of 1 Float tensor(s)", message);
        }
    }

    [Fact]
    public void A_new_group_forms_on_the_same_stores_after_an_abort()
    {
        using var world = new LoopbackWorld(3);
        var sums = world.RunRanks(rank =>
        {
            using (var first = new ProcessGroup(world.StoreOf(rank), world.Options(rank, group: "generation-1")))
            {
                world.Meet();
                Assert.True(first.Abort());
            }
            using var second = new ProcessGroup(world.StoreOf(rank), world.Options(rank, group: "generation-2"));
            using var t = full([2], rank + 1.0);
            second.AllReduce(t);
            return t.ToArray<float>();
        });
        foreach (var sum in sums) Assert.Equal(new float[] { 6, 6 }, sum);
    }

    [Fact]
    public void Arguments_rejected_on_one_rank_fail_every_rank_without_waiting_for_the_timeout()
    {
        using var world = new LoopbackWorld(2);
        var outcomes = world.Run(pg =>
        {
            using var ints = tensor(new long[] { 1, 2 }, 2);
            using var floats = ones(2);
            // Rank 0 asks for an average of integers; rank 1's call is fine.
            var avg = Record.Exception(() => pg.AllReduce(pg.Rank == 0 ? ints : floats, ReduceOp.Avg));
            var bucket = Record.Exception(() => pg.AllReduceCoalesced([floats, ints]));
            var root = Record.Exception(() => pg.Broadcast(floats, 5));
            return (avg, bucket, root);
        });
        Assert.Contains("avg needs floating-point tensors", Assert.IsType<TorchException>(outcomes[0].avg).Message);
        Assert.Contains("rank 0 rejected its arguments", Assert.IsType<TorchException>(outcomes[1].avg).Message);
        foreach (var (_, bucket, root) in outcomes)
        {
            Assert.Contains("a bucket needs one dtype and device", Assert.IsType<TorchException>(bucket).Message);
            Assert.Contains("broadcast root 5 is outside the world of size 2", Assert.IsType<TorchException>(root).Message);
        }
    }

    [Fact]
    public void A_rank_outside_the_world_is_rejected_before_joining()
    {
        using var store = TcpStore.Server("127.0.0.1", 0, Short);
        var options = new ProcessGroupOptions { Backend = DistributedBackend.Gloo, Rank = 2, WorldSize = 2, Timeout = Short };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessGroup(store, options));
        Assert.Contains("rank 2 is outside the world of size 2", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessGroup(store, options with { Rank = 0, WorldSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ProcessGroup(store, options with { Rank = 0, Timeout = TimeSpan.Zero }));
    }

    [SkippableFact]
    public void Asking_for_nccl_without_it_names_the_missing_backend()
    {
        Assert.True(ProcessGroup.IsAvailable(DistributedBackend.Gloo));
        Skip.If(ProcessGroup.IsAvailable(DistributedBackend.Nccl), "a CUDA build with NCCL: nothing missing to report");
        using var store = TcpStore.Server("127.0.0.1", 0, Short);
        var options = new ProcessGroupOptions { Backend = DistributedBackend.Nccl, Rank = 0, WorldSize = 1, Timeout = Short };
        var error = Assert.Throws<TorchException>(() => new ProcessGroup(store, options));
        Assert.Contains("the nccl backend is not available", error.Message);
    }

    [Fact]
    public void A_single_rank_group_needs_no_peers()
    {
        using var store = TcpStore.Server("127.0.0.1", 0, Short);
        using var pg = new ProcessGroup(store, new ProcessGroupOptions { Backend = DistributedBackend.Gloo, Rank = 0, WorldSize = 1, Timeout = Short, DeviceHost = "127.0.0.1" });
        using var t = tensor(new float[] { 1, 2 }, 2);
        pg.AllReduce(t, ReduceOp.Avg);
        Assert.Equal(new float[] { 1, 2 }, t.ToArray<float>());
    }
}
