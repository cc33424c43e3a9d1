using System.Text.Json;
using Cluster.Shared.Planning;

namespace Cluster.Coordinator.Jobs;

/// <summary>
/// <see cref="LedgerCursor"/> as the JSON of <c>EpochSchedule.committed_before</c>: snake_case, the same shape as the
/// <c>ledger</c> of <c>trainer_state.json</c>, so a trainer reads both with one serializer.
/// </summary>
public static class LedgerCursorJson
{
    private static readonly JsonSerializerOptions Options = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static string Serialize(LedgerCursor cursor) => JsonSerializer.Serialize(cursor, Options);

    /// <exception cref="InvalidDataException">Not a cursor.</exception>
    public static LedgerCursor Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<LedgerCursor>(json, Options) ?? throw new InvalidDataException("ledger cursor JSON is null");
        }
        catch (JsonException error)
        {
            throw new InvalidDataException($"ledger cursor JSON: {error.Message}", error);
        }
    }
}
