using System.Globalization;

namespace Cluster.Speech.Data;

/// <summary>
/// One record of a tabular or JSON Lines manifest, with accessors that report what is wrong with a field to the
/// manifest's problem list (with this record's line) instead of throwing, so reading carries on to the next record.
/// </summary>
internal sealed class ManifestRow(
    string file, int line, IReadOnlyList<string> keys, IReadOnlyList<string?> values, IReadOnlyList<bool>? structured,
    ProblemList problems)
{
    public int Line => line;

    /// <summary>False once any problem has been reported for this record; such a record yields no entry.</summary>
    public bool IsValid { get; private set; } = true;

    /// <summary>Whether the field is present with a value (a JSON null counts as absent).</summary>
    public bool Has(string key) => IndexOf(key) is int i && values[i] is not null;

    /// <summary>The field's value; reports a missing field, and an empty one unless <paramref name="allowEmpty"/>.</summary>
    public string? Required(string key, bool allowEmpty = false)
    {
        int? index = IndexOf(key);
        if (index is not int i || values[i] is null)
        {
            Report($"missing required field '{key}'");
            return null;
        }

        if (!allowEmpty && string.IsNullOrWhiteSpace(values[i]))
        {
            Report($"'{key}' is empty");
            return null;
        }

        return Scalar(key, i);
    }

    /// <summary>The field's value, or null when it is absent or empty.</summary>
    public string? Optional(string key) =>
        IndexOf(key) is int i && !string.IsNullOrWhiteSpace(values[i]) ? Scalar(key, i) : null;

    /// <summary>A non-negative, finite number of seconds (or of any unit), or null when the field is absent or empty.</summary>
    public double? Seconds(string key)
    {
        string? text = Optional(key);
        if (text is null) return null;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
        {
            Report($"'{key}' is not a number: '{text}'");
            return null;
        }

        if (value < 0)
        {
            Report($"'{key}' is negative: {text}");
            return null;
        }

        return value;
    }

    /// <summary>The fields not in <paramref name="consumed"/>, in their order, for <see cref="Utterance.Extra"/>.</summary>
    public Dictionary<string, string> Extra(IReadOnlySet<string> consumed)
    {
        var extra = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < keys.Count; i++)
            if (values[i] is { } value && !consumed.Contains(keys[i])) extra[keys[i]] = value;
        return extra;
    }

    public void Report(string reason)
    {
        problems.Add(file, line, reason);
        IsValid = false;
    }

    private string? Scalar(string key, int index)
    {
        if (structured?[index] != true) return values[index];
        Report($"'{key}' must be a string or number, not a JSON object or array");
        return null;
    }

    private int? IndexOf(string key)
    {
        for (int i = 0; i < keys.Count; i++)
            if (keys[i] == key) return i;
        return null;
    }
}
