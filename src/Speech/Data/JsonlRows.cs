using System.Text.Json;

namespace Cluster.Speech.Data;

/// <summary>The records of a JSON Lines file: one JSON object per line.</summary>
internal static class JsonlRows
{
    /// <summary>
    /// Each object as a row. Strings keep their text, numbers and booleans their JSON spelling, a null counts as an
    /// absent field. Lines that are not a JSON object are reported and skipped; blank lines are skipped (they hold no
    /// record) and still counted in line numbers.
    /// </summary>
    public static IEnumerable<ManifestRow> Read(string path, ProblemList problems)
    {
        foreach (SourceLine line in SourceLines.Read(path, problems))
        {
            if (line.IsBlank) continue;
            ManifestRow? row = Parse(path, line, problems);
            if (row is not null) yield return row;
        }
    }

    private static ManifestRow? Parse(string path, SourceLine line, ProblemList problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(line.Text);
        }
        catch (JsonException e)
        {
            problems.Add(path, line.Number, $"not valid JSON: {e.Message}");
            return null;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add(path, line.Number, $"expected a JSON object, found {root.ValueKind.ToString().ToLowerInvariant()}");
                return null;
            }

            var keys = new List<string>();
            var values = new List<string?>();
            var structured = new List<bool>();
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (keys.Contains(property.Name))
                {
                    // JSON parsers disagree on which duplicate wins; refusing is the only reading all tools share.
                    problems.Add(path, line.Number, $"field '{property.Name}' appears twice");
                    return null;
                }

                keys.Add(property.Name);
                JsonElement value = property.Value;
                values.Add(value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Null => null,
                    _ => value.GetRawText(),
                });
                structured.Add(value.ValueKind is JsonValueKind.Object or JsonValueKind.Array);
            }

            return new ManifestRow(path, line.Number, keys, values, structured, problems);
        }
    }
}
