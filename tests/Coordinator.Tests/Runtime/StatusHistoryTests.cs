using Cluster.Coordinator.Runtime;

namespace Cluster.Coordinator.Tests.Runtime;

public class StatusHistoryTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static JobStatus At(long step, double loss = 1, long? checkpoint = null, long? evaluation = null, double cer = 0) => new()
    {
        Job = "tiny",
        Phase = "training",
        Step = step,
        Epoch = (int)(step / 10),
        Loss = loss,
        LearningRate = 1e-3,
        ExamplesPerSecond = 4,
        DataStall = 0.25,
        CheckpointStep = checkpoint,
        CheckpointDirectory = checkpoint is { } c ? $"/ckpt/step-{c}" : null,
        EvaluationStep = evaluation,
        Evaluation = evaluation is null ? new Dictionary<string, double>() : new Dictionary<string, double> { ["cer"] = cer },
    };

    [Fact]
    public void A_sample_is_taken_per_new_step_and_not_for_the_start_or_a_repeated_step()
    {
        var history = new StatusHistory(capacity: 10);
        history.Record(At(0), Start);
        history.Record(At(1, loss: 2.5), Start.AddSeconds(1.25));
        history.Record(At(1, loss: 9), Start.AddSeconds(2)); // the same step published again (a node joined, ...)
        history.Record(At(2, loss: 2.0), Start.AddSeconds(3));

        StatusHistoryView view = history.Read();
        Assert.Equal(2, view.LastSeq);
        Assert.Equal(
            [new StatusSample(1, 1_800_000_001.25, 1, 0, 2.5, 1e-3, 4, 0.25), new StatusSample(2, 1_800_000_003, 2, 0, 2.0, 1e-3, 4, 0.25)],
            view.Samples);
    }

    [Fact]
    public void A_rollback_to_a_checkpoint_is_a_sample_of_its_own()
    {
        var history = new StatusHistory();
        foreach (long step in new long[] { 1, 2, 3, 2, 3 }) history.Record(At(step), Start.AddSeconds(step));
        Assert.Equal([1, 2, 3, 2, 3], history.Read().Samples.Select(s => s.Step));
    }

    [Fact]
    public void Once_full_each_new_sample_replaces_the_oldest()
    {
        var history = new StatusHistory(capacity: 3);
        for (long step = 1; step <= 7; step++) history.Record(At(step), Start.AddSeconds(step));

        StatusHistoryView view = history.Read();
        Assert.Equal(3, view.Capacity);
        Assert.Equal(7, view.LastSeq);
        Assert.Equal([5, 6, 7], view.Samples.Select(s => s.Step));
        Assert.Equal([5L, 6, 7], view.Samples.Select(s => s.Seq));
    }

    [Fact]
    public void Reading_after_a_seq_gives_only_the_newer_samples()
    {
        var history = new StatusHistory(capacity: 4);
        for (long step = 1; step <= 6; step++) history.Record(At(step), Start.AddSeconds(step));

        Assert.Equal([5, 6], history.Read(afterSeq: 4).Samples.Select(s => s.Step));
        Assert.Empty(history.Read(afterSeq: 6).Samples);
        // A page that fell further behind than the buffer reaches gets what is kept.
        Assert.Equal([3, 4, 5, 6], history.Read(afterSeq: 1).Samples.Select(s => s.Step));
    }

    [Fact]
    public void Checkpoints_and_evaluations_are_kept_once_each_and_bounded()
    {
        var history = new StatusHistory(capacity: 100, marks: 2);
        history.Record(At(1), Start);
        history.Record(At(2, checkpoint: 2, evaluation: 2, cer: 0.5), Start.AddSeconds(2));
        history.Record(At(3, checkpoint: 2, evaluation: 2, cer: 0.5), Start.AddSeconds(3));
        history.Record(At(4, checkpoint: 4, evaluation: 4, cer: 0.25), Start.AddSeconds(4));
        history.Record(At(6, checkpoint: 6, evaluation: 6, cer: 0.125), Start.AddSeconds(6));

        StatusHistoryView view = history.Read(afterSeq: 5);
        Assert.Empty(view.Samples);
        Assert.Equal([(4L, "/ckpt/step-4"), (6L, "/ckpt/step-6")], view.Checkpoints.Select(c => (c.Step, c.Directory)));
        Assert.Equal([(4L, 0.25), (6L, 0.125)], view.Evaluations.Select(e => (e.Step, e.Metrics["cer"])));
        Assert.Equal(1_800_000_004, view.Checkpoints[0].UnixSeconds);
    }

    [Fact]
    public void The_board_records_what_it_is_published()
    {
        var board = new StatusBoard();
        board.Publish(At(1));
        board.Complete(At(2));
        Assert.Equal([1, 2], board.History.Read().Samples.Select(s => s.Step));
    }
}
