namespace Cluster.DataNode;

/// <summary>
/// The batches of one shard and the builds under way, without actors: a batch asked for while it is being built joins
/// that build (a trainer re-requesting after new shard owners gets the same bytes, built once), and a finished build
/// goes to everyone who asked, once each. <typeparamref name="TRequester"/> is whatever answers reach (an actor ref).
/// </summary>
public sealed class ShardBuilds<TRequester> where TRequester : notnull
{
    private readonly Dictionary<string, List<TRequester>> _building = new(StringComparer.Ordinal);

    public ShardBuilds(IReadOnlyDictionary<string, IReadOnlyList<string>> batches) => Batches = batches;

    /// <summary>The shard's batches and their items; the coordinator may re-plan a shard it keeps here.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Batches { get; set; }

    /// <summary>What to do with a request: build it (the items), nothing more (it joined a build), or refuse (no such batch).</summary>
    public BuildStart Request(string batchId, TRequester requester)
    {
        if (_building.TryGetValue(batchId, out var waiting))
        {
            waiting.Add(requester);
            return BuildStart.Joined;
        }
        if (!Batches.TryGetValue(batchId, out var items)) return BuildStart.Unknown;
        _building[batchId] = [requester];
        return BuildStart.Build(items);
    }

    /// <summary>
    /// A build finished: whom to send it to (each requester once) and how many requests it answers (duplicates
    /// included, since each was counted in flight); null when no build of it was under way.
    /// </summary>
    public (IReadOnlyList<TRequester> Recipients, int Requests)? Finished(string batchId) =>
        _building.Remove(batchId, out var requesters) ? ([.. requesters.Distinct()], requesters.Count) : null;
}

/// <summary>The answer to a build request: <see cref="Items"/> to build, or joined a build, or unknown.</summary>
public sealed record BuildStart(IReadOnlyList<string>? Items, bool IsKnown)
{
    public static BuildStart Joined { get; } = new(null, true);

    public static BuildStart Unknown { get; } = new(null, false);

    public static BuildStart Build(IReadOnlyList<string> items) => new(items, true);
}
