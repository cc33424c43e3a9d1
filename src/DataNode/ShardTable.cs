namespace Cluster.DataNode;

/// <summary>
/// What a data node decides about the shards it serves, without actors: which assignment is current, who owns a
/// requested batch, whether a request came too early, how many requests each shard still owes an answer, and when a
/// node asked to stop may exit. <see cref="DataNodeActor"/> receives the messages, calls this, and sends what it says.
/// </summary>
public sealed class ShardTable
{
    private readonly Dictionary<ShardKey, IReadOnlyDictionary<string, IReadOnlyList<string>>> _shards = [];
    private readonly Dictionary<(int Epoch, string BatchId), ShardKey> _owner = [];
    private readonly Dictionary<ShardKey, int> _inFlight = [];
    private long _version = -1;
    // The newest epoch of the current assignment (int.MaxValue when it is empty: a request of any epoch is answered).
    private int _assignedEpoch = -1;

    public string? StopReason { get; private set; }

    public int Shards => _shards.Count;

    public int Batches => _owner.Count;

    public int InFlight => _inFlight.Values.Sum();

    /// <summary>Stopping, with nothing left in flight: the node may exit.</summary>
    public bool CanExit => StopReason is not null && _inFlight.Values.All(count => count == 0);

    /// <summary>
    /// Takes assignment <paramref name="version"/>; null when an older one arrives after a newer (it is ignored).
    /// Shards no longer listed are dropped with their requests in flight (the new owner builds them when the trainers
    /// ask again); kept shards get their new batch lists; the rest are new.
    /// </summary>
    public AssignmentChange? Assign(long version, IReadOnlyDictionary<ShardKey, IReadOnlyDictionary<string, IReadOnlyList<string>>> shards)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (version < _version) return null;
        _version = version;
        var dropped = _shards.Keys.Where(key => !shards.ContainsKey(key)).ToList();
        foreach (var key in dropped)
        {
            _shards.Remove(key);
            _inFlight.Remove(key);
        }
        var kept = shards.Where(s => _shards.ContainsKey(s.Key)).ToDictionary();
        var added = shards.Where(s => !_shards.ContainsKey(s.Key)).ToDictionary();
        _owner.Clear();
        foreach (var (key, batches) in shards)
        {
            _shards[key] = batches;
            foreach (string batchId in batches.Keys) _owner[(key.Epoch, batchId)] = key;
        }
        _assignedEpoch = shards.Count == 0 ? int.MaxValue : shards.Keys.Max(k => k.Epoch);
        return new AssignmentChange(dropped, kept, added);
    }

    /// <summary>
    /// A request for an epoch newer than the assignment waits for it. The coordinator assigns a new epoch's shards
    /// before it sends the trainers that epoch's schedule, but over another connection, so a trainer's request can
    /// overtake the assignment; refused, the trainer would wait until the coordinator sends the owners again. Once the
    /// node is stopping, nothing waits: it is refused.
    /// </summary>
    public bool MustWait(int epoch) => StopReason is null && epoch > _assignedEpoch;

    /// <summary>Where each requested batch goes: its shard (now one more request in flight there), or a refusal.</summary>
    public IReadOnlyList<Routed> Route(string node, int epoch, IEnumerable<string> batchIds)
    {
        ArgumentNullException.ThrowIfNull(batchIds);
        var routed = new List<Routed>();
        foreach (string batchId in batchIds)
        {
            if (StopReason is not null)
                routed.Add(new Routed(batchId, null, $"{node} is stopping"));
            else if (_owner.TryGetValue((epoch, batchId), out var shard))
            {
                _inFlight[shard] = _inFlight.GetValueOrDefault(shard) + 1;
                routed.Add(new Routed(batchId, shard, null));
            }
            else
                routed.Add(new Routed(batchId, null, $"{node} does not own the shard of batch {batchId} (epoch {epoch})"));
        }
        return routed;
    }

    /// <summary>A shard answered <paramref name="requests"/> requests; a shard dropped since then owes nothing.</summary>
    public void Answered(ShardKey shard, int requests)
    {
        if (_inFlight.TryGetValue(shard, out int count)) _inFlight[shard] = Math.Max(0, count - requests);
    }

    /// <summary>From now on requests are refused; the node exits once those in flight are answered.</summary>
    public void Stop(string? reason) => StopReason ??= string.IsNullOrEmpty(reason) ? "stop requested" : reason;
}

/// <summary>What an assignment changes: shard actors to stop, to give new batch lists, and to start.</summary>
public sealed record AssignmentChange(
    IReadOnlyList<ShardKey> Dropped,
    IReadOnlyDictionary<ShardKey, IReadOnlyDictionary<string, IReadOnlyList<string>>> Kept,
    IReadOnlyDictionary<ShardKey, IReadOnlyDictionary<string, IReadOnlyList<string>>> Added);

/// <summary>A requested batch: to <paramref name="Shard"/>, or refused with <paramref name="Refusal"/>.</summary>
public sealed record Routed(string BatchId, ShardKey? Shard, string? Refusal);
