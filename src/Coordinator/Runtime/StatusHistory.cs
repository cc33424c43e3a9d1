namespace Cluster.Coordinator.Runtime;

/// <summary>
/// The job over time, for the status page's charts: a sample each time a published status shows a step other than the
/// last one (a new step, or a rollback to a checkpoint), and each checkpoint and evaluation as it appears. Bounded:
/// once full, each new entry replaces the oldest, so a long run costs what a short one does. The job actor records
/// (through <see cref="StatusBoard.Publish"/>), the HTTP API reads; both may do so at once.
/// </summary>
public sealed class StatusHistory
{
    public const int DefaultCapacity = 2000;
    public const int DefaultMarks = 200;

    private readonly Lock gate = new();
    private readonly Ring<StatusSample> samples;
    private readonly Ring<CheckpointSeen> checkpoints;
    private readonly Ring<EvaluationSeen> evaluations;
    private long lastSeq;
    private long? lastStep;
    private long? lastCheckpoint;
    private long? lastEvaluation;

    /// <param name="capacity">Samples kept.</param>
    /// <param name="marks">Checkpoints and evaluations kept (each).</param>
    public StatusHistory(int capacity = DefaultCapacity, int marks = DefaultMarks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(marks, 1);
        samples = new Ring<StatusSample>(capacity);
        checkpoints = new Ring<CheckpointSeen>(marks);
        evaluations = new Ring<EvaluationSeen>(marks);
    }

    public int Capacity => samples.Capacity;

    /// <summary>Takes what is new in <paramref name="status"/>, seen at <paramref name="at"/>; a status that shows the
    /// same step, checkpoint and evaluation as the one before adds nothing.</summary>
    public void Record(JobStatus status, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(status);
        double unix = at.ToUnixTimeMilliseconds() / 1000.0;
        lock (gate)
        {
            // Step 0 is the start, before anything was trained: no loss, no rate to draw.
            if (status.Step > 0 && status.Step != lastStep)
            {
                samples.Add(new StatusSample(++lastSeq, unix, status.Step, status.Epoch, status.Loss, status.LearningRate, status.ExamplesPerSecond, status.DataStall));
                lastStep = status.Step;
            }

            if (status.CheckpointStep is { } checkpoint && checkpoint != lastCheckpoint)
            {
                checkpoints.Add(new CheckpointSeen(checkpoint, status.CheckpointDirectory, unix));
                lastCheckpoint = checkpoint;
            }

            if (status.EvaluationStep is { } evaluation && evaluation != lastEvaluation)
            {
                evaluations.Add(new EvaluationSeen(evaluation, status.Evaluation, unix));
                lastEvaluation = evaluation;
            }
        }
    }

    /// <summary>The samples numbered after <paramref name="afterSeq"/> (0: all kept), oldest first, with every
    /// checkpoint and evaluation kept.</summary>
    public StatusHistoryView Read(long afterSeq = 0)
    {
        lock (gate)
        {
            return new StatusHistoryView(samples.Capacity, lastSeq, [.. samples.Items().Where(s => s.Seq > afterSeq)],
                [.. checkpoints.Items()], [.. evaluations.Items()]);
        }
    }

    /// <summary>A fixed array used circularly: <see cref="Add"/> overwrites the oldest item once full.</summary>
    private sealed class Ring<T>(int capacity)
    {
        private readonly T[] items = new T[capacity];
        private int next;
        private int count;

        public int Capacity => items.Length;

        public void Add(T item)
        {
            items[next] = item;
            next = (next + 1) % items.Length;
            count = Math.Min(count + 1, items.Length);
        }

        /// <summary>Oldest first.</summary>
        public IEnumerable<T> Items()
        {
            int first = (next - count + items.Length) % items.Length;
            for (int i = 0; i < count; i++) yield return items[(first + i) % items.Length];
        }
    }
}
