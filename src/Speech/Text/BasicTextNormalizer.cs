using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Cluster.Speech.Text;

/// <summary>
/// Whisper's <c>BasicTextNormalizer</c> (<c>whisper/normalizers/basic.py</c>), the normalizer applied to references
/// and hypotheses before WER/CER of non-English text, reproduced character for character.
/// </summary>
/// <remarks>
/// Steps, as upstream: lower-case; drop <c>[...]</c>/<c>&lt;...&gt;</c> spans and <c>(...)</c> spans; NFKC and turn
/// every mark, symbol and punctuation character into a space (or, with <c>removeDiacritics</c>, NFKD, drop nonspacing
/// marks and spell out a few letters such as ß → ss); lower-case again; optionally put a space between grapheme
/// clusters; collapse each whitespace run to one space. Like upstream, leading and trailing spaces are kept
/// ("你好，世界！" becomes "你好 世界 "); the error-rate code splits on whitespace, so they do not count there.
/// </remarks>
public sealed partial class BasicTextNormalizer
{
    // Letters NFKD does not split into a base letter and marks; upstream's ADDITIONAL_DIACRITICS.
    private static readonly Dictionary<int, string> AdditionalDiacritics = new()
    {
        ['œ'] = "oe",
        ['Œ'] = "OE",
        ['ø'] = "o",
        ['Ø'] = "O",
        ['æ'] = "ae",
        ['Æ'] = "AE",
        ['ß'] = "ss",
        ['ẞ'] = "SS",
        ['đ'] = "d",
        ['Đ'] = "D",
        ['ð'] = "d",
        ['Ð'] = "D",
        ['þ'] = "th",
        ['Þ'] = "th",
        ['ł'] = "l",
        ['Ł'] = "L",
    };

    private readonly bool _removeDiacritics;
    private readonly bool _splitLetters;
    private readonly bool _preserveMarks;

    /// <param name="removeDiacritics">Decompose (NFKD) and drop nonspacing marks instead of keeping them.</param>
    /// <param name="splitLetters">Separate every grapheme cluster by a space (upstream's character-level scoring).</param>
    /// <param name="preserveMarks">Keep combining marks, which spell words in Brahmic scripts, Thai, pointed Arabic and
    /// Hebrew; cannot be combined with <paramref name="removeDiacritics"/>.</param>
    public BasicTextNormalizer(bool removeDiacritics = false, bool splitLetters = false, bool preserveMarks = false)
    {
        if (removeDiacritics && preserveMarks)
            throw new ArgumentException("preserveMarks cannot be combined with removeDiacritics.", nameof(preserveMarks));
        _removeDiacritics = removeDiacritics;
        _splitLetters = splitLetters;
        _preserveMarks = preserveMarks;
    }

    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = PythonText.Lower(text);
        s = BracketedSpan().Replace(s, "");
        s = ParenthesizedSpan().Replace(s, "");
        s = PythonText.Lower(_removeDiacritics ? RemoveSymbolsAndDiacritics(s) : RemoveSymbols(s));
        if (_splitLetters) s = SplitGraphemes(s);
        return CollapseWhitespace(s);
    }

    private string RemoveSymbols(string s)
    {
        var builder = new StringBuilder(s.Length);
        foreach (int codePoint in PythonText.CodePoints(PythonText.NormalizeCompatibilityComposed(s)))
        {
            int symbolClass = PythonText.SymbolClass(codePoint);
            bool blank = _preserveMarks ? symbolClass == PythonText.SymbolOrPunctuation : symbolClass != 0;
            if (blank) builder.Append(' ');
            else PythonText.Append(builder, codePoint);
        }
        return builder.ToString();
    }

    private static string RemoveSymbolsAndDiacritics(string s)
    {
        var builder = new StringBuilder(s.Length);
        foreach (int codePoint in PythonText.DecomposeCompatibility(s))
        {
            if (AdditionalDiacritics.TryGetValue(codePoint, out string? spelled)) builder.Append(spelled);
            else if (PythonText.SymbolClass(codePoint) == PythonText.NonspacingMark) continue;
            else if (PythonText.SymbolClass(codePoint) != 0) builder.Append(' ');
            else PythonText.Append(builder, codePoint);
        }
        return builder.ToString();
    }

    private static string SplitGraphemes(string s)
    {
        var builder = new StringBuilder(s.Length * 2);
        TextElementEnumerator graphemes = StringInfo.GetTextElementEnumerator(s);
        while (graphemes.MoveNext())
        {
            if (builder.Length > 0) builder.Append(' ');
            builder.Append(graphemes.GetTextElement());
        }
        return builder.ToString();
    }

    private static string CollapseWhitespace(string s)
    {
        var builder = new StringBuilder(s.Length);
        bool inRun = false;
        foreach (int codePoint in PythonText.CodePoints(s))
        {
            bool space = PythonText.IsWhitespace(codePoint);
            if (!space) PythonText.Append(builder, codePoint);
            else if (!inRun) builder.Append(' ');
            inRun = space;
        }
        return builder.ToString();
    }

    [GeneratedRegex(@"[<\[][^>\]]*[>\]]")]
    private static partial Regex BracketedSpan();

    [GeneratedRegex(@"\(([^)]+?)\)")]
    private static partial Regex ParenthesizedSpan();
}
