using System.Globalization;
using System.Text.RegularExpressions;

namespace Cluster.Tests.Common;

/// <summary>The samples of a Prometheus text exposition, looked up by name and some of their labels.</summary>
public sealed partial class PrometheusSamples
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> samples = [];

    public PrometheusSamples(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var match = Sample().Match(line);
            Assert.True(match.Success, $"not a sample line: {line}");
            var labels = Label().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["value"].Value);
            samples.Add((match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        Types = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal))
            .Select(l => l.Split(' ')).ToDictionary(p => p[2], p => p[3]);
    }

    /// <summary>Metric family → type (counter, gauge, histogram).</summary>
    public IReadOnlyDictionary<string, string> Types { get; }

    /// <summary>The one sample of <paramref name="name"/> carrying all of <paramref name="labels"/>.</summary>
    public double Value(string name, params (string Key, string Value)[] labels)
    {
        var found = samples.Where(s => s.Name == name && labels.All(l => s.Labels.GetValueOrDefault(l.Key) == l.Value)).ToList();
        Assert.True(found.Count == 1, $"{found.Count} samples of {name} with {string.Join(",", labels)}; names: {string.Join(" ", samples.Select(s => s.Name).Distinct())}");
        return found[0].Value;
    }

    public bool Has(string name) => samples.Any(s => s.Name == name);

    /// <summary>The sum of every sample of <paramref name="name"/>, whatever its labels.</summary>
    public double Sum(string name) => samples.Where(s => s.Name == name).Sum(s => s.Value);

    /// <summary>How many series (samples) the scrape holds.</summary>
    public int Count => samples.Count;

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( \d+)?$""")]
    private static partial Regex Sample();

    [GeneratedRegex("""(?<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(\\.|[^"\\])*)",?""")]
    private static partial Regex Label();
}
