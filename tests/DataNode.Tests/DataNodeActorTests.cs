using Cluster.DataNode.Batches;
using Cluster.Shared.Actors;
using Cluster.Shared.Cli;
using Cluster.Shared.Protocol;
using Cluster.Shared.Wire;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;
using Cluster.Speech.Text;

namespace Cluster.DataNode.Tests;

public sealed class DataNodeActorTests : IAsyncLifetime
{
    private readonly TinyCorpus _corpus = new();
    private readonly ClusterHarness _cluster = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        _corpus.Dispose();
    }

    [Fact]
    public async Task Registers_with_the_coordinator_as_a_data_node_naming_its_actor()
    {
        var (registration, _) = await _cluster.StartNodeAsync();

        Assert.Equal(NodeRole.Data, registration.Role);
        Assert.Equal("data-1", registration.Name);
        Assert.EndsWith("/user/data-node", registration.ActorPath);
        Assert.StartsWith("cluster.tcp://data-1@127.0.0.1:", registration.ActorPath);
        Assert.Equal(Environment.ProcessId, registration.ProcessId);
    }

    [Fact]
    public async Task Requested_batches_arrive_with_the_tensors_the_batch_builder_makes_and_are_reported_sent()
    {
        var node = await _cluster.StartServingAsync(_corpus);

        _cluster.Request(node, 0, "e0-b0", "e0-b3");

        var arrived = new[] { await _cluster.Trainer.ExpectAsync<BatchData>(), await _cluster.Trainer.ExpectAsync<BatchData>() }.ToDictionary(b => b.BatchId);
        Assert.Equal(["e0-b0", "e0-b3"], arrived.Keys.Order());
        var builder = new WhisperBatchBuilder(WhisperTokenizer.Bundled(51865), new WhisperBatchOptions { Language = "en", Frames = TinyCorpus.Frames });
        var manifest = ManifestReader.Read(Path.Combine(_corpus.Directory, "train.jsonl"));
        foreach ((string id, BatchData data) in arrived)
        {
            var expected = builder.Build(id, [.. TinyCorpus.Batches[id].Select(u => manifest.Utterances.Single(x => x.Id == u))]);
            Assert.Equal(0, data.Epoch);
            Assert.Equal("data-1", data.Producer);
            Assert.Equal(expected.Count, data.Examples);
            Assert.Empty(data.Skipped);
            var tensors = data.Tensors.Select(WireBatches.Parse).ToDictionary(t => t.Name);
            Assert.Equal(["decoder_input_ids", "input_features", "labels"], tensors.Keys.Order());
            Assert.Equal([expected.Count, 80, TinyCorpus.Frames], tensors["input_features"].Shape);
            Assert.Equal(Torch.DType.Float32, tensors["input_features"].DType);
            Assert.Equal(expected.Features, tensors["input_features"].ToFloats());
            Assert.Equal([expected.Count, expected.Labels.Length], tensors["labels"].Shape);
            Assert.Equal(expected.Labels.DecoderInput, tensors["decoder_input_ids"].ToInt64());
            Assert.Equal(expected.Labels.Labels, tensors["labels"].ToInt64());
        }

        var sent = new[] { await _cluster.Coordinator.ExpectAsync<BatchSent>(), await _cluster.Coordinator.ExpectAsync<BatchSent>() };
        Assert.Equal(["e0-b0", "e0-b3"], sent.Select(s => s.BatchId).Order());
        Assert.All(sent, s => Assert.Equal(("data-1", 0), (s.Node, s.Epoch)));
    }

    [Fact]
    public async Task Only_requested_batches_are_built_and_sent()
    {
        var node = await _cluster.StartServingAsync(_corpus);

        _cluster.Request(node, 0, "e0-b2");

        Assert.Equal("e0-b2", (await _cluster.Trainer.ExpectAsync<BatchData>()).BatchId);
        Assert.Equal("e0-b2", (await _cluster.Coordinator.ExpectAsync<BatchSent>()).BatchId);

        // The next batch asked for is the next one built and reported: nothing else was built in between.
        _cluster.Request(node, 0, "e0-b0");
        Assert.Equal("e0-b0", (await _cluster.Trainer.ExpectAsync<BatchData>()).BatchId);
        Assert.Equal("e0-b0", (await _cluster.Coordinator.ExpectAsync<BatchSent>()).BatchId);
        await NothingElseSentToTheTrainerAsync(node);
    }

    [Fact]
    public async Task A_batch_of_a_shard_it_does_not_own_is_refused_as_unavailable()
    {
        var node = await _cluster.StartServingAsync(_corpus);

        _cluster.Request(node, 0, "e0-b7");

        var first = await _cluster.Trainer.ExpectAsync<BatchUnavailable>();
        Assert.Equal(("e0-b7", 0), (first.BatchId, first.Epoch));
        Assert.Contains("does not own", first.Reason);
        // A refusal reports nothing to the ledger: the coordinator's next message is the next built batch's report.
        _cluster.Request(node, 0, "e0-b2");
        Assert.Equal("e0-b2", (await _cluster.Coordinator.ExpectAsync<BatchSent>()).BatchId);
    }

    [Fact]
    public async Task A_request_that_overtakes_its_epochs_assignment_waits_for_it_and_an_older_epochs_request_is_refused()
    {
        var node = await _cluster.StartServingAsync(_corpus);
        var coordinatorSide = _cluster.CoordinatorSystem.ResolveActorRef(node.Path);
        Assert.Equal("e0-b2", await BuiltAsync(node, 0, "e0-b2")); // the epoch 0 assignment is in place

        _cluster.Request(node, 1, "e0-b0"); // epoch 1's plan, before the node has its epoch 1 shards
        await RequestWasKeptAsync(node);
        coordinatorSide.Tell(TinyCorpus.Assignment(version: 2, epoch: 1), _cluster.Coordinator.Ref);

        var data = await _cluster.Trainer.ExpectAsync<BatchData>();
        Assert.Equal(("e0-b0", 1), (data.BatchId, data.Epoch));
        _cluster.Request(node, 0, "e0-b3"); // the right id of the previous epoch's plan
        var refused = await _cluster.Trainer.ExpectAsync<BatchUnavailable>();
        Assert.Equal(("e0-b3", 0), (refused.BatchId, refused.Epoch));
        Assert.Contains("does not own", refused.Reason);
    }

    [Fact]
    public async Task A_request_waiting_for_its_epochs_assignment_is_refused_when_the_node_stops()
    {
        var node = await _cluster.StartServingAsync(_corpus);
        var coordinatorSide = _cluster.CoordinatorSystem.ResolveActorRef(node.Path);
        Assert.Equal("e0-b2", await BuiltAsync(node, 0, "e0-b2"));

        _cluster.Request(node, 1, "e0-b0");
        await RequestWasKeptAsync(node);
        coordinatorSide.Tell(new StopDataNode { Reason = "scale down" }, _cluster.Coordinator.Ref);

        var refused = await _cluster.Trainer.ExpectAsync<BatchUnavailable>();
        Assert.Equal(("e0-b0", 1), (refused.BatchId, refused.Epoch));
        Assert.Contains("stopping", refused.Reason);
    }

    // A request for a shard the node does not own is refused at once, in the order requests arrive: when its refusal
    // is the trainer's next message, the request before it was neither answered nor refused, but kept.
    private async Task RequestWasKeptAsync(IActorRef node)
    {
        _cluster.Request(node, 0, "e0-b7");
        Assert.Equal("e0-b7", (await _cluster.Trainer.ExpectAsync<BatchUnavailable>()).BatchId);
    }

    // A finished batch goes to its requesters before the ledger hears of it (BatchSent, already received here). A refusal
    // asked for now is sent after that, on the same connection to the trainer, so it must be the trainer's next message.
    private async Task NothingElseSentToTheTrainerAsync(IActorRef node)
    {
        _cluster.Request(node, 0, "e0-b7");
        Assert.Equal("e0-b7", (await _cluster.Trainer.ExpectAsync<BatchUnavailable>()).BatchId);
        _cluster.Trainer.AssertEmpty();
    }

    private async Task<string> BuiltAsync(IActorRef node, int epoch, string batchId)
    {
        _cluster.Request(node, epoch, batchId);
        string arrived = (await _cluster.Trainer.ExpectAsync<BatchData>()).BatchId;
        await _cluster.Coordinator.ExpectAsync<BatchSent>();
        return arrived;
    }

    [Fact]
    public async Task A_shard_moved_away_by_a_new_assignment_is_refused_and_an_older_assignment_is_ignored()
    {
        var node = await _cluster.StartServingAsync(_corpus);
        var coordinatorSide = _cluster.CoordinatorSystem.ResolveActorRef(node.Path);
        var onlyShard1 = new AssignShards { Version = 2 };
        onlyShard1.Shards.Add(TinyCorpus.Assignment().Shards[1]);
        coordinatorSide.Tell(onlyShard1, _cluster.Coordinator.Ref);
        coordinatorSide.Tell(TinyCorpus.Assignment(version: 1), _cluster.Coordinator.Ref);

        // Asked over the coordinator's connection, so the request comes after both assignments (a trainer's own
        // connection could overtake them).
        var request = new RequestBatches { Generation = 1, Rank = 0, Epoch = 0 };
        request.BatchIds.AddRange(["e0-b0", "e0-b3"]);
        coordinatorSide.Tell(request, _cluster.Trainer.Ref);

        Assert.Equal("e0-b0", (await _cluster.Trainer.ExpectAsync<BatchUnavailable>()).BatchId);
        Assert.Equal("e0-b3", (await _cluster.Trainer.ExpectAsync<BatchData>()).BatchId);
    }

    [Fact]
    public async Task A_bad_file_is_skipped_and_reported_and_the_rest_of_its_batch_still_comes()
    {
        var node = await _cluster.StartServingAsync(_corpus);

        _cluster.Request(node, 0, "e0-b1");

        var data = await _cluster.Trainer.ExpectAsync<BatchData>();
        Assert.Equal(3, data.Examples);
        var tensors = data.Tensors.Select(WireBatches.Parse).ToDictionary(t => t.Name);
        Assert.Equal(3, tensors["input_features"].Shape[0]);
        var skipped = Assert.Single(data.Skipped);
        Assert.Equal(TinyCorpus.BrokenId, skipped.Id);
        Assert.EndsWith("broken.wav", skipped.Path);
        Assert.StartsWith("unreadable audio", skipped.Reason);

        Assert.Equal("e0-b1", (await _cluster.Coordinator.ExpectAsync<BatchSent>()).BatchId);
        var reported = await _cluster.Coordinator.ExpectAsync<SkippedExamples>();
        Assert.Equal(("data-1", "e0-b1"), (reported.Node, reported.BatchId));
        Assert.Equal(skipped, Assert.Single(reported.Examples));
        Assert.False(_cluster.Exit.Task.IsCompleted);
    }

    [Fact]
    public async Task StopDataNode_finishes_the_batches_in_flight_then_exits_0()
    {
        var node = await _cluster.StartServingAsync(_corpus);
        var coordinatorSide = _cluster.CoordinatorSystem.ResolveActorRef(node.Path);

        // Both from the coordinator's system, so the requests reach the node before the stop (order holds per sender).
        var request = new RequestBatches { Generation = 1, Rank = 0, Epoch = 0, BatchIds = { "e0-b0", "e0-b1" } };
        coordinatorSide.Tell(request, _cluster.CoordinatorSystem.ResolveActorRef(_cluster.Trainer.Ref.Path));
        coordinatorSide.Tell(new StopDataNode { Reason = "scale down" }, _cluster.Coordinator.Ref);

        Assert.Equal(ExitCodes.Ok, await _cluster.Exit.Task.WaitAsync(Inbox.DefaultTimeout));
        var arrived = new[] { await _cluster.Trainer.ExpectAsync<BatchData>(), await _cluster.Trainer.ExpectAsync<BatchData>() };
        Assert.Equal(["e0-b0", "e0-b1"], arrived.Select(b => b.BatchId).Order());

        _cluster.Request(node, 0, "e0-b2");
        Assert.Contains("stopping", (await _cluster.Trainer.ExpectAsync<BatchUnavailable>()).Reason);
    }

    [Fact]
    public async Task Losing_the_coordinator_exits_with_a_failure_and_says_why()
    {
        await _cluster.StartNodeAsync();

        await _cluster.CoordinatorSystem.TerminateAsync();

        Assert.Equal(ExitCodes.Failure, await _cluster.Exit.Task.WaitAsync(Inbox.DefaultTimeout));
        Assert.Contains("lost the coordinator", _cluster.Log);
    }

    [Fact]
    public async Task A_job_whose_data_cannot_be_loaded_exits_with_a_failure_naming_the_manifest()
    {
        var (registration, _) = await _cluster.StartNodeAsync();
        var node = _cluster.CoordinatorSystem.ResolveActorRef(registration.ActorPath);
        File.Delete(Path.Combine(_corpus.Directory, "train.jsonl"));

        node.Tell(_corpus.Welcome, _cluster.Coordinator.Ref);

        Assert.Equal(ExitCodes.Failure, await _cluster.Exit.Task.WaitAsync(Inbox.DefaultTimeout));
        Assert.Contains("cannot load the job's data", _cluster.Log);
        Assert.Contains("train.jsonl", _cluster.Log);
    }

    [Fact]
    public async Task A_request_for_a_batch_already_being_built_joins_that_build()
    {
        var producer = new GatedProducer(fail: false);
        var node = await _cluster.StartServingAsync(_corpus, _ => producer);

        _cluster.Request(node, 0, "e0-b0");
        _cluster.Request(node, 0, "e0-b0"); // a trainer re-requesting after ShardOwners
        // Once a later request has been answered, both were passed on to the shard, ahead of the build's result.
        _cluster.Request(node, 0, "e0-b7");
        Assert.Equal("e0-b7", (await _cluster.Trainer.ExpectAsync<BatchUnavailable>()).BatchId);
        producer.Gate.Release(2);

        Assert.Equal("e0-b0", (await _cluster.Trainer.ExpectAsync<BatchData>()).BatchId);
        Assert.Equal("e0-b0", (await _cluster.Coordinator.ExpectAsync<BatchSent>()).BatchId);
        await NothingElseSentToTheTrainerAsync(node);
        Assert.Equal(1, producer.Builds);
    }

    [Fact]
    public async Task A_build_that_throws_still_sends_the_batch_empty_with_every_item_reported()
    {
        var producer = new GatedProducer(fail: true);
        var node = await _cluster.StartServingAsync(_corpus, _ => producer);

        _cluster.Request(node, 0, "e0-b2");
        producer.Gate.Release();

        var data = await _cluster.Trainer.ExpectAsync<BatchData>();
        Assert.Equal(("e0-b2", 0, 0), (data.BatchId, data.Examples, data.Tensors.Count));
        Assert.Equal(TinyCorpus.Batches["e0-b2"], data.Skipped.Select(s => s.Id));
        Assert.All(data.Skipped, s => Assert.Contains("decoder crashed", s.Reason));
        Assert.Equal("e0-b2", (await _cluster.Coordinator.ExpectAsync<BatchSent>()).BatchId);
        Assert.Equal(2, (await _cluster.Coordinator.ExpectAsync<SkippedExamples>()).Examples.Count);
        Assert.False(_cluster.Exit.Task.IsCompleted);
    }
}
