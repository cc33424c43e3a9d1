using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;
using Cluster.Torch;
using Cluster.Torch.Distributed;

namespace Cluster.GpuNode.Tests;

/// <summary>The trainer's compute on the CPU with Gloo over a TCPStore on 127.0.0.1: data parallelism, resume,
/// retention and abort.</summary>
public sealed class TrainerCoreTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly string root = Path.Combine(Path.GetTempPath(), $"gpunode-tests-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
    }

    [Fact]
    public void Two_ranks_on_A_and_B_train_like_one_process_on_their_union_step_for_step()
    {
        var job = TinyJob.Spec(root);
        var a = Enumerable.Range(1, 3).Select(s => TinyJob.Batch($"a{s}", size: 2, seed: 10 + s)).ToArray();
        var b = Enumerable.Range(1, 3).Select(s => TinyJob.Batch($"b{s}", size: 3, seed: 20 + s)).ToArray();

        using var single = TrainerCore.Create(job, "", Device.CPU);
        var singleLosses = Enumerable.Range(0, 3).Select(i => single.TrainStep(i + 1, 0, [a[i], b[i]]).Loss).ToArray();

        using var rank0 = TrainerCore.Create(job, "", Device.CPU);
        using var rank1 = TrainerCore.Create(job, "", Device.CPU);
        var ranks = new[] { rank0, rank1 };
        var perRank = new[] { a, b };
        using var server = TcpStore.Server("127.0.0.1", 0, Timeout, 2);
        var losses = RunRanks(2, rank =>
        {
            using var store = TcpStore.Client("127.0.0.1", server.Port, Timeout);
            using var group = new ProcessGroup(store, Options(rank, 2, "union"));
            ranks[rank].Join(group);
            return Enumerable.Range(0, 3).Select(i => ranks[rank].TrainStep(i + 1, rank, [perRank[rank][i]]).Loss).ToArray();
        });

        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(singleLosses[i], losses[0][i], 5);
            Assert.Equal(losses[0][i], losses[1][i], 12);
        }
        var expected = TinyJob.Weights(single);
        foreach (var core in ranks)
        {
            foreach (var (name, values) in TinyJob.Weights(core))
            {
                var reference = expected[name];
                for (int k = 0; k < values.Length; k++) Assert.True(Math.Abs(values[k] - reference[k]) < 1e-5, $"{name}[{k}]: {values[k]} vs {reference[k]}");
            }
        }
        // The parameters moved: the comparison is not between untouched initial weights.
        using var untrained = TrainerCore.Create(job, "", Device.CPU);
        Assert.NotEqual(TinyJob.Weights(untrained).First().Value, expected.First().Value);
    }

    [Fact]
    public void A_rank_whose_batch_was_all_skipped_still_takes_part_and_contributes_nothing()
    {
        var job = TinyJob.Spec(root);
        var batch = TinyJob.Batch("a", size: 2, seed: 3);
        var empty = new BatchData { BatchId = "skipped", Examples = 0 };
        using var single = TrainerCore.Create(job, "", Device.CPU);
        double expected = single.TrainStep(1, 0, [batch]).Loss;
        using var rank0 = TrainerCore.Create(job, "", Device.CPU);
        using var rank1 = TrainerCore.Create(job, "", Device.CPU);
        var ranks = new[] { rank0, rank1 };
        using var server = TcpStore.Server("127.0.0.1", 0, Timeout, 2);
        var losses = RunRanks(2, rank =>
        {
            using var store = TcpStore.Client("127.0.0.1", server.Port, Timeout);
            using var group = new ProcessGroup(store, Options(rank, 2, "skipped"));
            ranks[rank].Join(group);
            return ranks[rank].TrainStep(1, rank, rank == 0 ? [batch] : [empty]).Loss;
        });
        Assert.Equal(expected, losses[0], 6);
        Assert.Equal(expected, losses[1], 6);
    }

    [Fact]
    public void A_resumed_trainer_repeats_the_losses_and_weights_of_an_uninterrupted_run()
    {
        var job = TinyJob.Spec(root);
        var batches = Enumerable.Range(1, 4).Select(s => TinyJob.Batch($"x{s}", size: 2, seed: s)).ToArray();
        using var straight = TrainerCore.Create(job, "yaml", Device.CPU);
        var straightLosses = batches.Select((batch, i) => straight.TrainStep(i + 1, 0, [batch]).Loss).ToArray();

        string checkpoint;
        using (var first = TrainerCore.Create(job, "yaml", Device.CPU))
        {
            first.TrainStep(1, 0, [batches[0]]);
            first.TrainStep(2, 0, [batches[1]]);
            checkpoint = first.SaveCheckpoint(root, 0, new LedgerCursor(0, 2, 4, [new CommittedRange(0, 2)])).Path;
        }
        using var resumed = TrainerCore.Create(job, "yaml", Device.CPU);
        var state = resumed.Restore(checkpoint);
        Assert.Equal(2, state.Step);
        Assert.Equal(new LedgerCursor(0, 2, 4, [new CommittedRange(0, 2)]), state.Ledger);
        var resumedLosses = new[] { resumed.TrainStep(3, 0, [batches[2]]).Loss, resumed.TrainStep(4, 0, [batches[3]]).Loss };

        Assert.Equal(straightLosses[2], resumedLosses[0], 10);
        Assert.Equal(straightLosses[3], resumedLosses[1], 10);
        var expected = TinyJob.Weights(straight);
        foreach (var (name, values) in TinyJob.Weights(resumed)) Assert.Equal(expected[name], values);
    }

    [Fact]
    public void Retention_keeps_the_last_K_checkpoints()
    {
        var job = TinyJob.Spec(root, keepLast: 2);
        using var core = TrainerCore.Create(job, "yaml", Device.CPU);
        for (int step = 1; step <= 4; step++)
        {
            core.TrainStep(step, 0, [TinyJob.Batch($"r{step}", 1, step)]);
            core.SaveCheckpoint(root, 0, new LedgerCursor(0, step, 4, [new CommittedRange(0, step)]));
        }
        Assert.Equal(["checkpoint-3", "checkpoint-4"], Directory.GetDirectories(root).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task Abort_unblocks_a_trainer_waiting_on_a_lost_peer()
    {
        var job = TinyJob.Spec(root);
        using var core = TrainerCore.Create(job, "", Device.CPU);
        using var peerCore = TrainerCore.Create(job, "", Device.CPU);
        using var server = TcpStore.Server("127.0.0.1", 0, Timeout, 2);
        using var store = TcpStore.Client("127.0.0.1", server.Port, Timeout);
        using var peerStore = TcpStore.Client("127.0.0.1", server.Port, Timeout);
        var joined = new TaskCompletionSource<ProcessGroup>(TaskCreationOptions.RunContinuationsAsynchronously);
        var training = Task.Factory.StartNew(() =>
        {
            using var group = new ProcessGroup(store, Options(0, 2, "abort"));
            core.Join(group);
            joined.SetResult(group);
            // The peer joined but never trains (it was lost): the step's first collective waits for it.
            return Record.Exception(() => core.TrainStep(1, 0, [TinyJob.Batch("a", 1, 1)]));
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        using var peer = new ProcessGroup(peerStore, Options(1, 2, "abort"));
        peerCore.Join(peer);
        var group = await joined.Task.WaitAsync(Timeout);

        group.Abort();
        // The abort ended the step (whether it was already in the collective or about to enter it), not the group's
        // timeout: a timeout's message says "Timed out".
        var error = await training.WaitAsync(Timeout);
        Assert.NotNull(error);
        Assert.DoesNotContain("Timed out", error.ToString());
    }

    private static ProcessGroupOptions Options(int rank, int world, string name) => new()
    {
        Backend = DistributedBackend.Gloo,
        Rank = rank,
        WorldSize = world,
        Timeout = Timeout,
        GroupName = name,
        DeviceHost = "127.0.0.1",
    };

    private static T[] RunRanks<T>(int world, Func<int, T> body)
    {
        var tasks = Enumerable.Range(0, world)
            .Select(rank => Task.Factory.StartNew(() => body(rank), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default))
            .ToArray();
        Assert.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(60)), "a rank did not finish within 60 s");
        return [.. tasks.Select(t => t.Result)];
    }
}
