using Cluster.Torch;
using Cluster.Torch.Distributed;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;

namespace Cluster.GpuNode.Tests;

public class ProcessGroupExchangeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static Module<Tensor, Tensor> Model()
    {
        manual_seed(7);
        return nn.Sequential(nn.Linear(6, 8), nn.GELU(), nn.Linear(8, 8), nn.GELU(), nn.Linear(8, 3));
    }

    private static Tensor Input(int rank)
    {
        manual_seed((ulong)(100 + rank));
        return randn(4, 6);
    }

    /// <summary>Each rank's gradients after the exchange, by parameter; rank 1 may have no batch at all.</summary>
    private static (float[][] Gradients, int Overlapped)[] Exchange(bool secondRankTrains)
    {
        using var scope = NewDisposeScope();
        // Built here, one after the other: the generator is process-wide and the ranks run on two threads.
        var models = new[] { Model(), Model() };
        var inputs = new[] { Input(0), Input(1) };
        using var server = TcpStore.Server("127.0.0.1", 0, Timeout, 2);
        var ranks = Enumerable.Range(0, 2).Select(rank => Task.Factory.StartNew(() =>
        {
            using var rankScope = NewDisposeScope();
            using var store = TcpStore.Client("127.0.0.1", server.Port, Timeout);
            using var group = new ProcessGroup(store, new ProcessGroupOptions
            {
                Backend = DistributedBackend.Gloo, Rank = rank, WorldSize = 2, Timeout = Timeout, GroupName = "exchange", DeviceHost = "127.0.0.1",
            });
            var model = models[rank];
            var parameters = model.parameters().ToArray();
            // Buckets of at most 100 bytes: several per layer pair, so some are complete while backward goes on.
            using var exchange = new ProcessGroupExchange(group, Device.CPU, bucketBytes: 100);
            if (rank == 0 || secondRankTrains)
            {
                var loss = model.forward(inputs[rank]).pow(2).sum();
                exchange.BeforeLastBackward(parameters);
                loss.backward();
            }
            exchange.SumGradients(parameters);
            return (parameters.Select(p => p.grad!.ToArray<float>()).ToArray(), exchange.BucketsStartedDuringBackward);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        Assert.True(Task.WaitAll(ranks, Timeout), "a rank did not finish");
        return [.. ranks.Select(t => t.Result)];
    }

    private static float[][] SummedInOneProcess(bool secondRankTrains)
    {
        using var scope = NewDisposeScope();
        var model = Model();
        var loss = model.forward(Input(0)).pow(2).sum();
        if (secondRankTrains) loss = loss + model.forward(Input(1)).pow(2).sum();
        loss.backward();
        return [.. model.parameters().Select(p => p.grad!.ToArray<float>())];
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Buckets_summed_during_backward_give_the_gradients_of_one_process_on_both_batches(bool secondRankTrains)
    {
        var ranks = Exchange(secondRankTrains);
        var expected = SummedInOneProcess(secondRankTrains);
        foreach (var (gradients, _) in ranks)
        {
            for (int p = 0; p < expected.Length; p++)
            {
                for (int k = 0; k < expected[p].Length; k++)
                    Assert.True(Math.Abs(expected[p][k] - gradients[p][k]) < 1e-5, $"parameter {p}[{k}]: {gradients[p][k]} vs {expected[p][k]}");
            }
        }
        // The overlap happened: buckets started while backward was still running (the first layer's gradients come
        // last, so at least one bucket waited for them).
        Assert.InRange(ranks[0].Overlapped, 1, int.MaxValue);
        Assert.Equal(secondRankTrains ? ranks[0].Overlapped : 0, ranks[1].Overlapped);
    }
}
