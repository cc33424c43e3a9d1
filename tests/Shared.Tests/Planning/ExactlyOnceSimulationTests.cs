using System.Text.Json;
using Cluster.Shared.Planning;

namespace Cluster.Shared.Tests.Planning;

/// <summary>
/// The promise of DESIGN.md §5, checked as a property over seeded random runs: data nodes join, leave and are killed
/// (their batches on the wire lost or not), trainers fail and resume from the last checkpoint, the coordinator
/// restarts from the checkpoint's ledger cursor, and deliveries arrive out of order. The coordinator side is the real
/// <see cref="ShardAllocator"/> and <see cref="Ledger"/>; the nodes and the wire are simulated. At the end of the epoch
/// every batch must have been trained on exactly once in the history of the surviving model.
/// </summary>
public class ExactlyOnceSimulationTests
{
    private const int Seeds = 30;

    [Fact]
    public void Every_batch_is_trained_exactly_once_through_random_joins_leaves_kills_and_restarts()
    {
        var totals = new Totals();
        for (int seed = 1; seed <= Seeds; seed++) Run(seed, totals);

        // The property is only shown if the runs actually went through the failures it is about.
        Assert.True(totals.Kills > 0 && totals.Leaves > 0 && totals.TrainerFailures > 0 && totals.CoordinatorRestarts > 0,
            $"kills {totals.Kills}, leaves {totals.Leaves}, trainer failures {totals.TrainerFailures}, restarts {totals.CoordinatorRestarts}");
        Assert.True(totals.DuplicatesDropped > 0, "no batch was ever produced twice");
        Assert.True(totals.Reproduced > 0, "no lost batch was ever produced again");
    }

    private static void Run(int seed, Totals totals)
    {
        var rng = new Random(seed);
        ShardPlan plan = ShardPlan.Create(ShardPlanTests.Epoch(utterances: 240, batchSize: 3, epoch: 1), shardCount: 16);
        var ledger = Ledger.Start(plan);
        var allocator = ShardAllocator.Create(Enumerable.Range(0, plan.Shards.Count), ["dn0", "dn1"]);
        var wire = new List<(string Batch, string Sender)>();
        var trained = new Dictionary<string, int>(StringComparer.Ordinal);
        var everSent = new HashSet<string>(StringComparer.Ordinal);
        long step = -1;
        (string Cursor, Dictionary<string, int> Trained, long Step) checkpoint =
            (JsonSerializer.Serialize(ledger.CursorAt(-1)), new Dictionary<string, int>(trained), -1);
        int nextNode = 2;

        for (int events = 0; !ledger.IsComplete; events++)
        {
            Assert.True(events < 200_000, $"seed {seed}: epoch did not finish; {ledger.Outstanding().Count} batches outstanding, {wire.Count} on the wire, nodes {string.Join(",", allocator.Nodes)}");
            int roll = rng.Next(1000);
            if (roll < 450)
            {
                // A data node produces the next due batch of one of its shards.
                if (allocator.Nodes.Count == 0) continue;
                string node = allocator.Nodes.ElementAt(rng.Next(allocator.Nodes.Count));
                string? batch = allocator.ShardsOf(node).Select(ledger.MustProduce).FirstOrDefault(due => due.Count > 0)?[0];
                if (batch is null) continue;
                if (!everSent.Add(batch)) totals.Reproduced++;
                ledger = ledger.Sent(batch, node);
                wire.Add((batch, node));
            }
            else if (roll < 880)
            {
                // A batch reaches the trainer, which drops it if that id is already trained on, else trains and commits.
                if (wire.Count == 0) continue;
                int pick = rng.Next(wire.Count);
                string batch = wire[pick].Batch;
                wire.RemoveAt(pick);
                if (ledger.IsCommitted(batch))
                {
                    totals.DuplicatesDropped++;
                    continue;
                }

                trained[batch] = trained.GetValueOrDefault(batch) + 1;
                LedgerCommit commit = ledger.Commit(++step, [batch]);
                Assert.Equal([batch], commit.Accepted);
                ledger = commit.Ledger;
                int shard = plan.ShardOf(batch);
                if (plan.Shards[shard].BatchIds.All(ledger.IsCommitted)) allocator = allocator.WithoutShard(shard);
                if (step % 7 == 0) checkpoint = (JsonSerializer.Serialize(ledger.CursorAt(step)), new Dictionary<string, int>(trained), step);
            }
            else if (roll < 920)
            {
                allocator = allocator.WithNode($"dn{nextNode++}");
            }
            else if (roll < 950)
            {
                // Scale-down: the node stops, but what it already sent is still delivered.
                if (allocator.Nodes.Count == 0) continue;
                string node = allocator.Nodes.ElementAt(rng.Next(allocator.Nodes.Count));
                allocator = allocator.WithoutNode(node);
                ledger = ledger.SenderLost(node);
                totals.Leaves++;
            }
            else if (roll < 975)
            {
                // A crash: some of what it sent is lost on the wire, some still arrives.
                if (allocator.Nodes.Count == 0) continue;
                string node = allocator.Nodes.ElementAt(rng.Next(allocator.Nodes.Count));
                allocator = allocator.WithoutNode(node);
                ledger = ledger.SenderLost(node);
                wire.RemoveAll(m => m.Sender == node && rng.Next(2) == 0);
                totals.Kills++;
            }
            else if (roll < 990)
            {
                // A trainer dies: the group re-forms and resumes from the last checkpoint; its buffered batches are lost.
                ledger = ledger.RollBackTo(checkpoint.Step);
                (trained, step) = (new Dictionary<string, int>(checkpoint.Trained), checkpoint.Step);
                wire.RemoveAll(_ => rng.Next(2) == 0);
                allocator = Reallocated(ledger, allocator.Nodes);
                totals.TrainerFailures++;
            }
            else
            {
                // The coordinator restarts: all it has is the checkpoint's cursor, and the nodes that register again.
                ledger = Ledger.Restore(plan, JsonSerializer.Deserialize<LedgerCursor>(checkpoint.Cursor)!);
                (trained, step) = (new Dictionary<string, int>(checkpoint.Trained), checkpoint.Step);
                allocator = Reallocated(ledger, allocator.Nodes);
                totals.CoordinatorRestarts++;
            }
        }

        Assert.Equal(plan.BatchIds.Order(), trained.Keys.Order());
        string[] twice = [.. trained.Where(pair => pair.Value != 1).Select(pair => $"{pair.Key}×{pair.Value}")];
        Assert.True(twice.Length == 0, $"seed {seed}: trained more than once: {string.Join(", ", twice)}");
    }

    // After a rollback, shards that had finished may have work again, so the allocation is rebuilt from what is due.
    private static ShardAllocator Reallocated(Ledger ledger, IEnumerable<string> nodes) =>
        ShardAllocator.Create(Enumerable.Range(0, ledger.Plan.Shards.Count).Where(s => ledger.MustProduce(s).Count > 0), nodes);

    private sealed class Totals
    {
        public int Kills;
        public int Leaves;
        public int TrainerFailures;
        public int CoordinatorRestarts;
        public int DuplicatesDropped;
        public int Reproduced;
    }
}
