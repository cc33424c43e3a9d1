using System.Text;

namespace Cluster.Speech.Text;

/// <summary>
/// The pieces of Python's text handling that Whisper's normalizer relies on — <c>str.lower()</c>,
/// <c>unicodedata.normalize</c> (NFKC, NFKD), <c>str.isspace()</c> and the general categories it tests — driven by
/// tables generated out of Python (<see cref="UnicodeTables"/>). The runtime cannot stand in: the solution builds with
/// InvariantGlobalization, under which <see cref="string.Normalize()"/> returns its input unchanged and
/// <see cref="string.ToLowerInvariant"/> leaves U+0130 alone.
/// </summary>
/// <remarks>
/// Text is processed as code points, as Python does; an unpaired surrogate is carried through as its own code point.
/// </remarks>
internal static class PythonText
{
    // Hangul syllables are composed and decomposed arithmetically (Unicode §3.12), so the tables leave them out.
    private const int SyllableBase = 0xAC00, LeadBase = 0x1100, VowelBase = 0x1161, TrailBase = 0x11A7;
    private const int LeadCount = 19, VowelCount = 21, TrailCount = 28;
    private const int SyllablesPerLead = VowelCount * TrailCount, SyllableCount = LeadCount * SyllablesPerLead;

    private const int CapitalSigma = 0x3A3, SmallSigma = 0x3C3, FinalSigma = 0x3C2;

    private static readonly Dictionary<int, int[]> Decompositions = CodePointRanges.ParseMappings(UnicodeTables.Decompositions);
    private static readonly Dictionary<int, int[]> LowercaseMappings = CodePointRanges.ParseMappings(UnicodeTables.Lowercase);
    private static readonly CodePointRanges CombiningClasses = CodePointRanges.Parse(UnicodeTables.CombiningClasses);
    private static readonly CodePointRanges SymbolClasses = CodePointRanges.Parse(UnicodeTables.SymbolClasses);
    private static readonly CodePointRanges CasedRanges = CodePointRanges.Parse(UnicodeTables.Cased);
    private static readonly CodePointRanges CaseIgnorableRanges = CodePointRanges.Parse(UnicodeTables.CaseIgnorable);
    private static readonly CodePointRanges WhitespaceRanges = CodePointRanges.Parse(UnicodeTables.Whitespace);
    private static readonly Dictionary<long, int> Compositions = ReadCompositions();

    /// <summary>How <see cref="SymbolClass"/> classifies a code point.</summary>
    public const int NonspacingMark = 'n', OtherMark = 'm', SymbolOrPunctuation = 's';

    /// <summary>The code points of <paramref name="text"/>.</summary>
    public static List<int> CodePoints(string text)
    {
        var codePoints = new List<int>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                codePoints.Add(char.ConvertToUtf32(c, text[i + 1]));
                i++;
            }
            else
            {
                codePoints.Add(c);
            }
        }
        return codePoints;
    }

    public static void Append(StringBuilder builder, int codePoint)
    {
        if (codePoint < 0x10000) builder.Append((char)codePoint);
        else builder.Append(char.ConvertFromUtf32(codePoint));
    }

    public static string FromCodePoints(IEnumerable<int> codePoints)
    {
        var builder = new StringBuilder();
        foreach (int codePoint in codePoints) Append(builder, codePoint);
        return builder.ToString();
    }

    /// <summary>Python's <c>str.lower()</c>: full lowercase mappings, with capital sigma final where Python makes it so.</summary>
    public static string Lower(string text)
    {
        if (Ascii.IsValid(text)) return text.ToLowerInvariant();
        List<int> codePoints = CodePoints(text);
        var builder = new StringBuilder(text.Length);
        for (int i = 0; i < codePoints.Count; i++)
        {
            int codePoint = codePoints[i];
            if (codePoint == CapitalSigma) Append(builder, IsFinalSigma(codePoints, i) ? FinalSigma : SmallSigma);
            else if (LowercaseMappings.TryGetValue(codePoint, out int[]? lower)) foreach (int c in lower) Append(builder, c);
            else Append(builder, codePoint);
        }
        return builder.ToString();
    }

    /// <summary><c>unicodedata.normalize("NFKD", text)</c> as code points.</summary>
    public static List<int> DecomposeCompatibility(string text)
    {
        var output = new List<int>(text.Length);
        foreach (int codePoint in CodePoints(text))
        {
            int syllable = codePoint - SyllableBase;
            if (syllable is >= 0 and < SyllableCount)
            {
                output.Add(LeadBase + syllable / SyllablesPerLead);
                output.Add(VowelBase + syllable % SyllablesPerLead / TrailCount);
                if (syllable % TrailCount != 0) output.Add(TrailBase + syllable % TrailCount);
            }
            else if (Decompositions.TryGetValue(codePoint, out int[]? decomposition))
            {
                output.AddRange(decomposition);
            }
            else
            {
                output.Add(codePoint);
            }
        }
        SortCombiningMarks(output);
        return output;
    }

    /// <summary><c>unicodedata.normalize("NFKC", text)</c>.</summary>
    public static string NormalizeCompatibilityComposed(string text)
    {
        // Nothing below U+00A0 decomposes or combines.
        if (!text.AsSpan().ContainsAnyExceptInRange('\0', '\u009F')) return text;
        return FromCodePoints(Compose(DecomposeCompatibility(text)));
    }

    /// <summary>Python's <c>str.isspace()</c>, which is also what its <c>re</c> module matches with <c>\s</c>.</summary>
    public static bool IsWhitespace(int codePoint) => WhitespaceRanges.Contains(codePoint);

    /// <summary>
    /// <see cref="NonspacingMark"/>, <see cref="OtherMark"/> or <see cref="SymbolOrPunctuation"/> by the code point's
    /// general category in Python's Unicode version; 0 for every other category.
    /// </summary>
    public static int SymbolClass(int codePoint) => SymbolClasses[codePoint];

    // Python's Final_Sigma test: \p{Cased}\p{Case_Ignorable}* before, and no \p{Case_Ignorable}*\p{Cased} after.
    private static bool IsFinalSigma(List<int> codePoints, int index)
    {
        int before = index - 1;
        while (before >= 0 && CaseIgnorableRanges.Contains(codePoints[before])) before--;
        if (before < 0 || !CasedRanges.Contains(codePoints[before])) return false;
        int after = index + 1;
        while (after < codePoints.Count && CaseIgnorableRanges.Contains(codePoints[after])) after++;
        return after == codePoints.Count || !CasedRanges.Contains(codePoints[after]);
    }

    // Canonical ordering: a stable sort by combining class of each run of non-starters.
    private static void SortCombiningMarks(List<int> codePoints)
    {
        for (int i = 1; i < codePoints.Count; i++)
        {
            int codePoint = codePoints[i];
            int combiningClass = CombiningClasses[codePoint];
            if (combiningClass == 0) continue;
            int j = i;
            while (j > 0 && CombiningClasses[codePoints[j - 1]] > combiningClass)
            {
                codePoints[j] = codePoints[j - 1];
                j--;
            }
            codePoints[j] = codePoint;
        }
    }

    // Canonical composition (UAX #15): each character joins the last starter unless a character in between blocks it.
    private static List<int> Compose(List<int> codePoints)
    {
        var output = new List<int>(codePoints.Count);
        int starter = -1;
        int lastClass = 0;
        foreach (int codePoint in codePoints)
        {
            int combiningClass = CombiningClasses[codePoint];
            bool blocked = output.Count - 1 != starter && (lastClass == 0 || lastClass >= combiningClass);
            if (starter >= 0 && !blocked && TryCompose(output[starter], codePoint, out int composite))
            {
                output[starter] = composite;
                continue;
            }
            if (combiningClass == 0) starter = output.Count;
            lastClass = combiningClass;
            output.Add(codePoint);
        }
        return output;
    }

    private static bool TryCompose(int first, int second, out int composite)
    {
        int lead = first - LeadBase, vowel = second - VowelBase;
        if (lead is >= 0 and < LeadCount && vowel is >= 0 and < VowelCount)
        {
            composite = SyllableBase + (lead * VowelCount + vowel) * TrailCount;
            return true;
        }
        int syllable = first - SyllableBase, trail = second - TrailBase;
        if (syllable is >= 0 and < SyllableCount && syllable % TrailCount == 0 && trail is > 0 and < TrailCount)
        {
            composite = first + trail;
            return true;
        }
        return Compositions.TryGetValue(PairKey(first, second), out composite);
    }

    private static long PairKey(int first, int second) => ((long)first << 21) | (uint)second;

    private static Dictionary<long, int> ReadCompositions()
    {
        var compositions = new Dictionary<long, int>();
        foreach ((int composite, int[] pair) in CodePointRanges.ParseMappings(UnicodeTables.Compositions))
            compositions.Add(PairKey(pair[0], pair[1]), composite);
        return compositions;
    }
}
