using System.Globalization;

namespace Cluster.Speech.Text;

/// <summary>
/// A property of code points held as sorted, disjoint ranges, read from the <c>START[-END]:VALUE</c> lists of
/// <see cref="UnicodeTables"/> (hexadecimal code points; a list separates entries by ';' or line breaks).
/// </summary>
internal sealed class CodePointRanges
{
    private readonly int[] _starts;
    private readonly int[] _ends;
    private readonly int[] _values;

    private CodePointRanges(int[] starts, int[] ends, int[] values)
    {
        _starts = starts;
        _ends = ends;
        _values = values;
    }

    /// <summary>Reads a list whose values are decimal integers (or single letters, taken as their character code).</summary>
    public static CodePointRanges Parse(string table)
    {
        var starts = new List<int>();
        var ends = new List<int>();
        var values = new List<int>();
        foreach (string entry in Entries(table))
        {
            int colon = entry.IndexOf(':');
            string span = entry[..colon];
            string value = entry[(colon + 1)..];
            int dash = span.IndexOf('-');
            int start = Hex(dash < 0 ? span : span[..dash]);
            starts.Add(start);
            ends.Add(dash < 0 ? start : Hex(span[(dash + 1)..]));
            values.Add(value.Length == 1 && char.IsAsciiLetter(value[0])
                ? value[0]
                : int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture));
        }
        return new CodePointRanges(starts.ToArray(), ends.ToArray(), values.ToArray());
    }

    /// <summary>
    /// Reads a mapping list: <c>S=O1 O2 ...</c> maps one code point to a sequence, and a run <c>S+N/P=O</c> maps
    /// S + k·P to the single code point O + k·P for k = 0..N.
    /// </summary>
    public static Dictionary<int, int[]> ParseMappings(string table)
    {
        var mappings = new Dictionary<int, int[]>();
        foreach (string entry in Entries(table))
        {
            int equals = entry.IndexOf('=');
            string key = entry[..equals];
            int[] output = entry[(equals + 1)..].Split(' ').Select(Hex).ToArray();
            int plus = key.IndexOf('+');
            if (plus < 0)
            {
                mappings.Add(Hex(key), output);
                continue;
            }
            int start = Hex(key[..plus]);
            string[] run = key[(plus + 1)..].Split('/');
            int count = int.Parse(run[0], NumberStyles.None, CultureInfo.InvariantCulture);
            int step = int.Parse(run[1], NumberStyles.None, CultureInfo.InvariantCulture);
            for (int k = 0; k <= count; k++) mappings.Add(start + k * step, [output[0] + k * step]);
        }
        return mappings;
    }

    /// <summary>The value of the range holding <paramref name="codePoint"/>, or 0 when none does.</summary>
    public int this[int codePoint]
    {
        get
        {
            int index = Array.BinarySearch(_starts, codePoint);
            if (index < 0) index = ~index - 1;
            return index >= 0 && codePoint <= _ends[index] ? _values[index] : 0;
        }
    }

    public bool Contains(int codePoint) => this[codePoint] != 0;

    private static IEnumerable<string> Entries(string table) =>
        table.Split([';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static int Hex(string digits) => int.Parse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
}
