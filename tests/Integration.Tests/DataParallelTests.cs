using System.Text.Json;
using Cluster.Coordinator.Jobs;
using Cluster.DataNode.Batches;
using Cluster.GpuNode;
using Cluster.Shared.Checkpoints;
using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;
using Cluster.Torch;

namespace Cluster.Integration.Tests;

/// <summary>Data parallelism over Gloo between two GpuNode processes is exact: the group ends with the parameters, and
/// reports the losses, of one process that trains every step on the union of the two ranks' batches.</summary>
[Collection(ClusterProcesses.Name)]
public class DataParallelTests
{
    [Fact]
    public void Two_gpu_nodes_train_like_one_process_on_the_union_of_their_batches_step_for_step()
    {
        // 24 utterances, batch 2, 2 ranks: 6 steps, a checkpoint at the end.
        using var job = new TinyJob(utterances: 24, checkpointEvery: 6);
        JsonElement status = JobRun.RunToEnd(job);
        Assert.Equal(6, status.GetProperty("step").GetInt64());
        var commits = job.StandingCommits();
        Assert.Equal(Enumerable.Range(1, 6).SelectMany(s => new[] { (s, 0), (s, 1) }), commits.Select(c => ((int)c.Step, c.Rank)));

        // The reference: the same spec, the same batches (they depend only on seed, epoch and ids), one process.
        JobSpec spec = JobSpecLoader.Load(job.JobPath);
        var items = ManifestEpochPlanner.Load(spec, validate: false, _ => { }).Plan(0).Batches.ToDictionary(b => b.BatchId, b => b.ItemIds, StringComparer.Ordinal);
        IBatchProducer producer = BatchProducers.FromJob(spec, "reference");
        using var single = TrainerCore.Create(spec, File.ReadAllText(job.JobPath), Device.CPU);
        var initial = Weights.Of(single);
        foreach (var step in commits.GroupBy(c => c.Step).OrderBy(g => g.Key))
        {
            List<BatchData> union = [.. step.OrderBy(c => c.Rank).SelectMany(c => c.BatchIds).Select(id => producer.Build(0, id, items[id]))];
            double loss = single.TrainStep(step.Key, 0, union).Loss;
            foreach (RecordedCommit rank in step)
                Assert.True(Math.Abs(rank.Loss - loss) <= 1e-5 * Math.Abs(loss), $"step {step.Key} rank {rank.Rank}: loss {rank.Loss} in the cluster, {loss} in one process");
        }

        var cluster = Weights.OfCheckpoint(new CheckpointStore(job.CheckpointDirectory).LatestValid().Chosen!.Checkpoint.Path);
        Weights.AssertSame(Weights.Of(single), cluster, tolerance: 1e-5);
        // The parameters moved: the comparison is not between untouched initial weights.
        Assert.NotEqual(initial.First().Value, cluster[initial.First().Key]);
    }
}
