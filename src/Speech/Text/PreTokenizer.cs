using System.Globalization;

namespace Cluster.Speech.Text;

/// <summary>
/// Splits text into the pieces byte-pair encoding works on, matching tiktoken's GPT-2 pattern
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c> match for match.
/// </summary>
/// <remarks>
/// This is the pattern evaluated by hand rather than by <see cref="System.Text.RegularExpressions.Regex"/>: .NET
/// regular expressions classify UTF-16 code units, so a letter or digit outside the BMP (CJK extension B, math
/// alphanumerics) would be two surrogates of category Cs and fall into the punctuation class, splitting words that
/// tiktoken, which classifies code points, keeps whole. Whitespace is Unicode White_Space, as in tiktoken's regex
/// engine.
/// </remarks>
internal static class PreTokenizer
{
    private enum Kind { Letter, Number, Space, Other }

    /// <summary>Appends the (start, length) of each piece of <paramref name="text"/>, in UTF-16 code units.</summary>
    public static void Split(string text, List<(int Start, int Length)> pieces)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = Contraction(text, i);
            if (end < 0)
            {
                Kind kind = Classify(text, i).Kind;
                int runStart = i;
                if (text[i] == ' ' && i + 1 < text.Length)
                {
                    Kind next = Classify(text, i + 1).Kind;
                    if (next != Kind.Space)
                    {
                        kind = next;
                        runStart = i + 1;
                    }
                }
                end = kind == Kind.Space ? WhitespaceEnd(text, i) : RunEnd(text, runStart, kind);
            }
            pieces.Add((i, end - i));
            i = end;
        }
    }

    private static int Contraction(string text, int i)
    {
        if (text[i] != '\'' || i + 1 >= text.Length) return -1;
        char c = text[i + 1];
        if (c is 's' or 't' or 'm' or 'd') return i + 2;
        if (i + 2 >= text.Length) return -1;
        char d = text[i + 2];
        return (c, d) is ('r', 'e') or ('v', 'e') or ('l', 'l') ? i + 3 : -1;
    }

    private static int RunEnd(string text, int i, Kind kind)
    {
        while (i < text.Length)
        {
            (Kind next, int width) = Classify(text, i);
            if (next != kind) break;
            i += width;
        }
        return i;
    }

    // \s+(?!\S) takes the run but its last character when a non-space follows (that character then leads the next
    // piece, e.g. as the space of " word"); \s+ takes a run of one.
    private static int WhitespaceEnd(string text, int i)
    {
        int last = i;
        int end = i;
        while (end < text.Length)
        {
            (Kind kind, int width) = Classify(text, end);
            if (kind != Kind.Space) break;
            last = end;
            end += width;
        }
        return end == text.Length || last == i ? end : last;
    }

    private static (Kind Kind, int Width) Classify(string text, int i)
    {
        char c = text[i];
        if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            return (KindOf(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(c, text[i + 1]))), 2);
        return (char.IsWhiteSpace(c) ? Kind.Space : KindOf(CharUnicodeInfo.GetUnicodeCategory(c)), 1);
    }

    private static Kind KindOf(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
        UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
        _ => Kind.Other,
    };
}
