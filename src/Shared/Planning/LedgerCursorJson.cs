using System.Text.Json;

namespace Cluster.Shared.Planning;

/// <summary>
/// <see cref="LedgerCursor"/> as the JSON of <c>EpochSchedule.committed_before</c>, written by the coordinator and read by
/// the trainers: snake_case, the shape of the <c>ledger</c> of <c>trainer_state.json</c>. Reading matches property names
/// ignoring case and underscores, so .NET's default (<c>BatchCount</c>) is understood as well, and checks the ranges.
/// </summary>
public static class LedgerCursorJson
{
    private static readonly JsonSerializerOptions WriteOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Serialize(LedgerCursor cursor) => JsonSerializer.Serialize(cursor, WriteOptions);

    /// <exception cref="InvalidDataException">Not a ledger cursor; the message names <paramref name="source"/>.</exception>
    public static LedgerCursor Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = Properties(document.RootElement);
            var ranges = Required(root, "committed", source).EnumerateArray().Select(element =>
            {
                var range = Properties(element);
                return new CommittedRange(Required(range, "start", source).GetInt32(), Required(range, "count", source).GetInt32());
            }).ToList();
            var cursor = new LedgerCursor(Required(root, "epoch", source).GetInt32(), Required(root, "step", source).GetInt64(),
                Required(root, "batchcount", source).GetInt32(), ranges.AsReadOnly());
            int end = 0;
            foreach (var range in ranges)
            {
                if (range.Start < end || range.Count <= 0 || range.Start + range.Count > cursor.BatchCount)
                    throw new InvalidDataException($"{source}: committed range [{range.Start}, +{range.Count}) is out of order or outside the {cursor.BatchCount} batches");
                end = range.Start + range.Count;
            }
            return cursor;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: not a ledger cursor: {e.Message}", e);
        }
    }

    private static Dictionary<string, JsonElement> Properties(JsonElement element) =>
        element.EnumerateObject().ToDictionary(p => p.Name.Replace("_", "", StringComparison.Ordinal).ToLowerInvariant(), p => p.Value);

    private static JsonElement Required(Dictionary<string, JsonElement> properties, string name, string source) =>
        properties.TryGetValue(name, out var value) ? value : throw new InvalidDataException($"{source}: the ledger cursor has no '{name}'");
}
