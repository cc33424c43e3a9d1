using System.Text.Json;
using Cluster.Shared.Planning;
using Cluster.Shared.Protocol;

namespace Cluster.Shared.Tests.Planning;

/// <summary>
/// The promise of DESIGN.md §5, checked as a property over seeded random runs: data nodes join, leave and are killed
/// (what they had on the wire lost or not), GPU nodes die and join (the group re-forms and resumes from the last
/// checkpoint), the coordinator restarts from the checkpoint's ledger cursor, and deliveries arrive out of order. The
/// coordinator side is the real <see cref="Membership"/>, <see cref="ShardAllocator"/>, <see cref="RankPlan"/> and
/// <see cref="Ledger"/>; nodes and wire are simulated. At the end of the epoch every batch must have been trained on
/// exactly once in the history of the surviving model.
/// </summary>
public class ExactlyOnceSimulationTests
{
    private const int Seeds = 30;

    [Fact]
    public void Every_batch_is_trained_exactly_once_through_random_joins_leaves_kills_and_restarts()
    {
        var totals = new Totals();
        for (int seed = 1; seed <= Seeds; seed++) new Run(seed, totals).ToEndOfEpoch();

        // The property is only shown if the runs actually went through the failures it is about.
        Assert.True(totals.Kills > 0 && totals.Leaves > 0 && totals.GroupChanges > 0 && totals.CoordinatorRestarts > 0,
            $"kills {totals.Kills}, leaves {totals.Leaves}, group changes {totals.GroupChanges}, restarts {totals.CoordinatorRestarts}");
        Assert.True(totals.DuplicatesDropped > 0, "no batch ever arrived twice");
        Assert.True(totals.Reproduced > 0, "no lost batch was ever produced again");
    }

    private sealed class Run
    {
        private readonly int seed;
        private readonly Totals totals;
        private readonly Random rng;
        private readonly ShardPlan plan = ShardPlan.Create(ShardPlanTests.Epoch(utterances: 240, batchSize: 3, epoch: 1), shardCount: 16);
        private readonly List<(string Batch, string Sender, long Generation, int Rank)> wire = [];
        private readonly HashSet<string> everSent = new(StringComparer.Ordinal);
        private Membership members = Membership.Empty;
        private ShardAllocator allocator;
        private RankPlan group = RankPlan.Empty;
        private Ledger ledger;
        private HashSet<string>[] buffers = [];
        private Dictionary<string, int> trained = new(StringComparer.Ordinal);
        private long step = -1;
        private (string Cursor, Dictionary<string, int> Trained, long Step) checkpoint;
        private int nextNode;

        public Run(int seed, Totals totals)
        {
            this.seed = seed;
            this.totals = totals;
            rng = new Random(seed);
            ledger = Ledger.Start(plan);
            allocator = ShardAllocator.Create(Enumerable.Range(0, plan.Shards.Count), []);
            checkpoint = (JsonSerializer.Serialize(ledger.CursorAt(-1)), new Dictionary<string, int>(trained), -1);
            for (int i = 0; i < 2; i++) JoinDataNode();
            for (int i = 0; i < 2; i++) JoinGpuNode();
        }

        public void ToEndOfEpoch()
        {
            for (int events = 0; !ledger.IsComplete; events++)
            {
                Assert.True(events < 300_000, $"seed {seed}: epoch did not finish; {ledger.Outstanding().Count} outstanding, {wire.Count} on the wire");
                int roll = rng.Next(1000);
                if (roll < 400) Produce();
                else if (roll < 700) Deliver();
                else if (roll < 910) Train();
                else if (roll < 940) JoinDataNode();
                else if (roll < 962) DataNodeGone(killed: false);
                else if (roll < 980) DataNodeGone(killed: true);
                else if (roll < 985) GpuNodeGone();
                else if (roll < 990) JoinGpuNode();
                else if (roll < 993) CoordinatorRestart();
            }

            Assert.Equal(plan.BatchIds.Order(), trained.Keys.Order());
            string[] twice = [.. trained.Where(pair => pair.Value != 1).Select(pair => $"{pair.Key}×{pair.Value}")];
            Assert.True(twice.Length == 0, $"seed {seed}: trained more than once: {string.Join(", ", twice)}");
        }

        // A data node produces the next due batch of one of its shards and sends it to the rank the group routes it to.
        private void Produce()
        {
            if (allocator.Nodes.Count == 0 || group.WorldSize == 0) return;
            string node = allocator.Nodes.ElementAt(rng.Next(allocator.Nodes.Count));
            string? batch = allocator.ShardsOf(node).Select(ledger.MustProduce).FirstOrDefault(due => due.Count > 0)?[0];
            if (batch is null) return;
            if (!everSent.Add(batch)) totals.Reproduced++;
            ledger = ledger.Sent(batch, node);
            wire.Add((batch, node, group.Generation, group.RankOfPosition(plan.PositionOf(batch))));
        }

        // A batch reaches its rank, which keeps one copy per id and drops copies of what it already trained on.
        private void Deliver()
        {
            if (wire.Count == 0) return;
            int pick = rng.Next(wire.Count);
            var (batch, _, generation, rank) = wire[pick];
            wire.RemoveAt(pick);
            if (generation != group.Generation) return;
            if (ledger.IsCommitted(batch) || !buffers[rank].Add(batch)) totals.DuplicatesDropped++;
        }

        private void Train()
        {
            if (group.WorldSize == 0) return;
            HashSet<string> buffer = buffers[rng.Next(group.WorldSize)];
            if (buffer.Count == 0) return;
            string batch = buffer.ElementAt(rng.Next(buffer.Count));
            buffer.Remove(batch);
            trained[batch] = trained.GetValueOrDefault(batch) + 1;
            LedgerCommit commit = ledger.Commit(++step, [batch]);
            Assert.Equal([batch], commit.Accepted);
            ledger = commit.Ledger;
            int shard = plan.ShardOf(batch);
            if (plan.Shards[shard].BatchIds.All(ledger.IsCommitted)) allocator = allocator.WithoutShard(shard);
            if (step % 7 == 0) checkpoint = (JsonSerializer.Serialize(ledger.CursorAt(step)), new Dictionary<string, int>(trained), step);
        }

        private void JoinDataNode()
        {
            string node = $"dn{nextNode++}";
            members = members.Join(node, NodeRole.Data, $"{node}:7000");
            allocator = allocator.WithNode(node);
        }

        // Scale-down delivers what the node already sent; a crash loses some of it. Either way its uncommitted
        // batches are due again.
        private void DataNodeGone(bool killed)
        {
            IReadOnlyList<string> nodes = members.OfRole(NodeRole.Data);
            if (nodes.Count == 0) return;
            string node = nodes[rng.Next(nodes.Count)];
            members = members.Leave(node);
            allocator = allocator.WithoutNode(node);
            ledger = ledger.SenderLost(node);
            if (killed)
            {
                wire.RemoveAll(m => m.Sender == node && rng.Next(2) == 0);
                totals.Kills++;
            }
            else
            {
                totals.Leaves++;
            }
        }

        private void GpuNodeGone()
        {
            IReadOnlyList<string> nodes = members.OfRole(NodeRole.Gpu);
            if (nodes.Count == 0) return;
            members = members.Leave(nodes[rng.Next(nodes.Count)]);
            Regroup();
        }

        private void JoinGpuNode()
        {
            string node = $"gpu{nextNode++}";
            members = members.Join(node, NodeRole.Gpu, $"{node}:7000");
            Regroup();
        }

        // Any change of the GPU nodes forms a new group that resumes from the last checkpoint: the weights roll back,
        // so do the ledger and what counts as trained, and the old group's buffers and traffic are void.
        private void Regroup()
        {
            group = group.FormedFrom(members.OfRole(NodeRole.Gpu));
            buffers = [.. Enumerable.Range(0, group.WorldSize).Select(_ => new HashSet<string>(StringComparer.Ordinal))];
            ledger = ledger.RollBackTo(checkpoint.Step);
            (trained, step) = (new Dictionary<string, int>(checkpoint.Trained), checkpoint.Step);
            allocator = Reallocated();
            totals.GroupChanges++;
        }

        // The restarted coordinator has only the checkpoint's cursor; nodes register again and the group re-forms.
        private void CoordinatorRestart()
        {
            ledger = Ledger.Restore(plan, JsonSerializer.Deserialize<LedgerCursor>(checkpoint.Cursor)!);
            (trained, step) = (new Dictionary<string, int>(checkpoint.Trained), checkpoint.Step);
            group = RankPlan.Empty.FormedFrom(members.OfRole(NodeRole.Gpu));
            buffers = [.. Enumerable.Range(0, group.WorldSize).Select(_ => new HashSet<string>(StringComparer.Ordinal))];
            wire.Clear();
            allocator = Reallocated();
            totals.CoordinatorRestarts++;
        }

        // After a rollback, shards that had finished may have work again, so the allocation is rebuilt from what is due.
        private ShardAllocator Reallocated() =>
            ShardAllocator.Create(Enumerable.Range(0, plan.Shards.Count).Where(s => ledger.MustProduce(s).Count > 0),
                members.OfRole(NodeRole.Data));
    }

    private sealed class Totals
    {
        public int Kills;
        public int Leaves;
        public int GroupChanges;
        public int CoordinatorRestarts;
        public int DuplicatesDropped;
        public int Reproduced;
    }
}
