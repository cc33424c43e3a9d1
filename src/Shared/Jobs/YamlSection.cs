using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cluster.Shared.Jobs;

/// <summary>
/// Reads one YAML mapping of a job spec key by key, typed and range-checked, recording every problem with its key path
/// and position instead of throwing, so the loader reports all of them at once. Keys nobody asked for are reported by
/// <see cref="RejectUnknownKeys"/>: a misspelt key must not fall back to a default silently.
/// </summary>
internal sealed class YamlSection
{
    private readonly YamlMappingNode mapping;
    private readonly List<JobSpecError> errors;
    private readonly HashSet<string> known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (YamlScalarNode Key, YamlNode Value)> entries = new(StringComparer.Ordinal);

    private YamlSection(YamlMappingNode mapping, string path, List<JobSpecError> errors)
    {
        this.mapping = mapping;
        this.errors = errors;
        Path = path;
        foreach (var (key, value) in mapping.Children)
        {
            if (key is YamlScalarNode { Value: { } name } scalar)
                entries[name] = (scalar, value);
            else
                errors.Add(At(Join(path, "?"), key, $"keys must be plain names, not {Describe(key)}"));
        }
    }

    /// <summary>The dotted path of this mapping ("" for the document root).</summary>
    public string Path { get; }

    public static YamlSection? Root(YamlNode node, List<JobSpecError> errors)
    {
        if (node is YamlMappingNode mapping) return new YamlSection(mapping, "", errors);
        errors.Add(At("", node, $"expected a mapping of sections but found {Describe(node)}"));
        return null;
    }

    public bool Has(string key)
    {
        known.Add(key);
        return entries.TryGetValue(key, out var entry) && !IsNull(entry.Value);
    }

    public YamlSection? Section(string key, bool required = false)
    {
        if (Value(key, required) is not { } node) return null;
        if (node is YamlMappingNode mapping) return new YamlSection(mapping, Join(Path, key), errors);
        Error(key, $"expected a mapping but found {Describe(node)}");
        return null;
    }

    public string? String(string key, bool required = false)
    {
        if (Value(key, required) is not { } node) return null;
        if (node is YamlScalarNode { Value: { Length: > 0 } text }) return text;
        Error(key, node is YamlScalarNode ? "expected a non-empty string" : $"expected a string but found {Describe(node)}");
        return null;
    }

    /// <summary>A string from a fixed vocabulary, compared exactly, so the spec reads the same on every machine.</summary>
    public T? Choice<T>(string key, IReadOnlyDictionary<string, T> choices, bool required = false) where T : struct
    {
        if (String(key, required) is not { } text) return null;
        if (choices.TryGetValue(text, out T value)) return value;
        Error(key, $"expected one of {string.Join(", ", choices.Keys)} but found \"{text}\"");
        return null;
    }

    public long? Integer(string key, Func<long, bool> valid, string rule, bool required = false)
    {
        if (Value(key, required) is not { } node) return null;
        if (Plain(node) is { } text && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
        {
            if (valid(value)) return value;
            Error(key, $"{rule}, not {value}");
            return null;
        }

        Error(key, $"expected an integer but found {Describe(node)}");
        return null;
    }

    public int? Int(string key, Func<long, bool> valid, string rule, bool required = false)
    {
        if (Integer(key, valid, rule, required) is not { } value) return null;
        if (value is >= int.MinValue and <= int.MaxValue) return (int)value;
        Error(key, $"{value} is too large");
        return null;
    }

    public double? Number(string key, Func<double, bool> valid, string rule, bool required = false)
    {
        if (Value(key, required) is not { } node) return null;
        if (ParseNumber(node) is { } value)
        {
            if (double.IsFinite(value) && valid(value)) return value;
            Error(key, $"{rule}, not {value.ToString("R", CultureInfo.InvariantCulture)}");
            return null;
        }

        Error(key, $"expected a number but found {Describe(node)}");
        return null;
    }

    public bool? Bool(string key)
    {
        if (Value(key, required: false) is not { } node) return null;
        switch (Plain(node))
        {
            case "true" or "True" or "TRUE": return true;
            case "false" or "False" or "FALSE": return false;
            default:
                Error(key, $"expected true or false but found {Describe(node)}");
                return null;
        }
    }

    /// <summary>A list of numbers; each element is checked, and <paramref name="count"/> (when set) fixes the length.</summary>
    public IReadOnlyList<double>? Numbers(string key, Func<double, bool> valid, string rule, int? count = null)
    {
        if (Value(key, required: false) is not { } node) return null;
        if (node is not YamlSequenceNode sequence)
        {
            Error(key, $"expected a list of numbers but found {Describe(node)}");
            return null;
        }

        if (count is int expected && sequence.Children.Count != expected)
        {
            Error(key, $"expected a list of {expected} numbers but found {sequence.Children.Count}");
            return null;
        }

        var values = new List<double>();
        bool ok = true;
        for (int i = 0; i < sequence.Children.Count; i++)
        {
            YamlNode item = sequence.Children[i];
            string path = $"{Join(Path, key)}[{i}]";
            if (ParseNumber(item) is not { } value)
            {
                errors.Add(At(path, item, $"expected a number but found {Describe(item)}"));
                ok = false;
            }
            else if (!(double.IsFinite(value) && valid(value)))
            {
                errors.Add(At(path, item, $"{rule}, not {value.ToString("R", CultureInfo.InvariantCulture)}"));
                ok = false;
            }
            else
            {
                values.Add(value);
            }
        }

        return ok ? values : null;
    }

    /// <summary>One string or a list of them (a single manifest need not be written as a list of one).</summary>
    public IReadOnlyList<string>? Strings(string key, bool required = false)
    {
        if (Value(key, required) is not { } node) return null;
        if (node is YamlScalarNode { Value: { Length: > 0 } single }) return [single];
        if (node is not YamlSequenceNode sequence || sequence.Children.Count == 0)
        {
            Error(key, $"expected a string or a non-empty list of strings but found {Describe(node)}");
            return null;
        }

        var values = new List<string>();
        for (int i = 0; i < sequence.Children.Count; i++)
        {
            if (sequence.Children[i] is YamlScalarNode { Value: { Length: > 0 } text } && !IsNull(sequence.Children[i]))
                values.Add(text);
            else
                errors.Add(At($"{Join(Path, key)}[{i}]", sequence.Children[i], $"expected a non-empty string but found {Describe(sequence.Children[i])}"));
        }

        return values.Count == sequence.Children.Count ? values : null;
    }

    /// <summary>Records a problem of <paramref name="key"/>, at its value when present, else at this mapping.</summary>
    public void Error(string key, string reason)
    {
        YamlNode where = entries.TryGetValue(key, out var entry) ? entry.Value : mapping;
        errors.Add(At(Join(Path, key), where, reason));
    }

    /// <summary>Records a problem of this mapping as a whole (a missing choice between keys, say).</summary>
    public void Error(string reason) => errors.Add(At(Path, mapping, reason));

    public void RejectUnknownKeys()
    {
        foreach (var (name, (key, _)) in entries)
        {
            if (known.Contains(name)) continue;
            string expected = string.Join(", ", known.Order(StringComparer.Ordinal));
            errors.Add(At(Join(Path, name), key, $"unknown key; expected one of {expected}"));
        }
    }

    private YamlNode? Value(string key, bool required)
    {
        known.Add(key);
        if (entries.TryGetValue(key, out var entry) && !IsNull(entry.Value)) return entry.Value;
        if (required)
            errors.Add(At(Join(Path, key), entries.TryGetValue(key, out entry) ? entry.Key : mapping, "required key is missing or empty"));
        return null;
    }

    private static double? ParseNumber(YamlNode node) =>
        Plain(node) is { } text && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : null;

    // Only plain scalars are numbers or booleans: in YAML a quoted "5" is a string.
    private static string? Plain(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } ? text : null;

    private static bool IsNull(YamlNode node) =>
        node is YamlScalarNode { Style: ScalarStyle.Plain, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode { Style: ScalarStyle.Plain, Value: { } text } => $"\"{text}\"",
        YamlScalarNode { Value: { } text } => $"the string \"{text}\"",
        _ => "nothing",
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static JobSpecError At(string path, YamlNode node, string reason) =>
        new(path, (int)node.Start.Line, (int)node.Start.Column, reason);
}
