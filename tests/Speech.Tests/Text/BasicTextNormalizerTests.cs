using Cluster.Speech.Text;

namespace Cluster.Speech.Tests.Text;

/// <summary>
/// Expected outputs are what Whisper's <c>normalizers/basic.py</c> returns under Python 3.11 (Unicode 14), trailing
/// spaces included: upstream collapses whitespace but does not strip it.
/// </summary>
public sealed class BasicTextNormalizerTests
{
    [Theory]
    [InlineData("你好，世界！", "你好 世界 ")]
    [InlineData("今天天氣很好，我們去台北101看看吧！", "今天天氣很好 我們去台北101看看吧 ")]
    [InlineData("Hello, World!", "hello world ")]
    [InlineData("  Mr. Smith's   car\tcosts $1,000.  ", " mr smith s car costs 1 000 ")]
    [InlineData("[MUSIC] hello (laughs) world <noise>", " hello world ")]
    [InlineData("a [b] c [d", "a c d")]
    [InlineData("(unclosed paren", " unclosed paren")]
    [InlineData("Ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３", "fullwidth abc123")]
    [InlineData("Café naïve façade", "café naïve façade")]
    [InlineData("ΟΔΟΣ Σ ΑΣ.", "οδος σ ας ")]
    [InlineData("İstanbul", "i stanbul")]
    [InlineData("ﬁne ① ㈱", "fine 1 株 ")]
    [InlineData("नमस्ते दुनिया", "नमस त द न य ")]
    [InlineData("emoji 😀👍🏽 ok", "emoji ok")]
    [InlineData("x\u001Cy", "x y")]
    [InlineData("", "")]
    public void Default_normalization_matches_whisper(string text, string expected)
    {
        Assert.Equal(expected, new BasicTextNormalizer().Normalize(text));
    }

    [Theory]
    [InlineData("Café naïve façade", "cafe naive facade")]
    [InlineData("Straße Œuvre Ærø łódź", "strasse oeuvre aero lodz")]
    [InlineData("İstanbul", "istanbul")]
    [InlineData("नमस्ते दुनिया", "नमसत दन य ")]
    public void Removing_diacritics_matches_whisper(string text, string expected)
    {
        Assert.Equal(expected, new BasicTextNormalizer(removeDiacritics: true).Normalize(text));
    }

    [Theory]
    [InlineData("你好，世界！", "你 好 世 界 ")]
    [InlineData("Hello, World!", "h e l l o w o r l d ")]
    [InlineData("Café", "c a f é")]
    [InlineData("emoji 😀👍🏽 ok", "e m o j i o k")]
    public void Splitting_letters_matches_whisper(string text, string expected)
    {
        Assert.Equal(expected, new BasicTextNormalizer(splitLetters: true).Normalize(text));
    }

    [Theory]
    [InlineData("नमस्ते दुनिया", "नमस्ते दुनिया")]
    [InlineData("İstanbul", "i̇stanbul")]
    public void Preserving_marks_matches_whisper(string text, string expected)
    {
        Assert.Equal(expected, new BasicTextNormalizer(preserveMarks: true).Normalize(text));
    }

    [Fact]
    public void Removing_diacritics_and_preserving_marks_exclude_each_other()
    {
        Assert.Throws<ArgumentException>(() => new BasicTextNormalizer(removeDiacritics: true, preserveMarks: true));
    }

    [Fact]
    public void Decomposed_and_composed_spellings_normalize_alike()
    {
        var normalizer = new BasicTextNormalizer(preserveMarks: true);
        Assert.Equal(normalizer.Normalize("Cafe\u0301 \u1100\u1161\u11A8"), normalizer.Normalize("Café 각"));
        Assert.Equal("café 각", normalizer.Normalize("Cafe\u0301 \u1100\u1161\u11A8"));
    }
}
