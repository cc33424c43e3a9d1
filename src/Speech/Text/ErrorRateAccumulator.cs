using System.Globalization;
using System.Text;

namespace Cluster.Speech.Text;

/// <summary>
/// Corpus word and character error rates, micro-averaged: the edits of all utterances over the reference length of
/// all utterances, (S + D + I) / N, so long utterances weigh more than short ones (as jiwer does for a list).
/// </summary>
/// <remarks>
/// <para>Words are the whitespace-separated tokens.</para>
/// <para>Characters are grapheme clusters (what Whisper's <c>split_letters</c> separates). By default whitespace is
/// not a character: CER is then what Whisper's character-level scoring gives (WER over letter-split text), and spacing
/// differences that normalization leaves behind — the basic normalizer turns Chinese punctuation into spaces, which a
/// hypothesis without punctuation lacks — do not count as errors. With <c>cerCountsSpaces</c>, whitespace runs count
/// as one space character and leading/trailing whitespace is dropped, which is jiwer's <c>cer</c> convention.</para>
/// <para>An utterance with an empty reference adds its insertions to the errors and nothing to the length; when the
/// whole corpus has no reference tokens the rate is the error count (length taken as 1), never NaN.</para>
/// </remarks>
public sealed class ErrorRateAccumulator
{
    private readonly Func<string, string>? _normalize;
    private readonly bool _cerCountsSpaces;
    private readonly List<UtteranceScore> _utterances = [];

    /// <param name="normalize">Applied to reference and hypothesis before scoring, e.g.
    /// <see cref="BasicTextNormalizer.Normalize"/>; none when null.</param>
    /// <param name="cerCountsSpaces">Count word separators as characters (jiwer); see the remarks.</param>
    public ErrorRateAccumulator(Func<string, string>? normalize = null, bool cerCountsSpaces = false)
    {
        _normalize = normalize;
        _cerCountsSpaces = cerCountsSpaces;
    }

    public IReadOnlyList<UtteranceScore> Utterances => _utterances;

    public int WordErrors { get; private set; }

    public int ReferenceWords { get; private set; }

    public int CharacterErrors { get; private set; }

    public int ReferenceCharacters { get; private set; }

    /// <summary>Word error rate of everything added so far; 0 before anything is.</summary>
    public double Wer => (double)WordErrors / Math.Max(ReferenceWords, 1);

    /// <summary>Character error rate of everything added so far; 0 before anything is.</summary>
    public double Cer => (double)CharacterErrors / Math.Max(ReferenceCharacters, 1);

    /// <summary>Scores one utterance and adds it to the totals.</summary>
    public UtteranceScore Add(string reference, string hypothesis)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(hypothesis);
        if (_normalize is not null)
        {
            reference = _normalize(reference);
            hypothesis = _normalize(hypothesis);
        }

        var score = new UtteranceScore(reference, hypothesis,
            Alignment.Align(Words(reference), Words(hypothesis)),
            Alignment.Align(Characters(reference), Characters(hypothesis)));
        _utterances.Add(score);
        WordErrors += score.Words.Errors;
        ReferenceWords += score.Words.ReferenceLength;
        CharacterErrors += score.Characters.Errors;
        ReferenceCharacters += score.Characters.ReferenceLength;
        return score;
    }

    private static string[] Words(string text) => text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    private List<string> Characters(string text)
    {
        var characters = new List<string>(text.Length);
        string spaced = _cerCountsSpaces ? string.Join(' ', Words(text)) : text;
        TextElementEnumerator graphemes = StringInfo.GetTextElementEnumerator(spaced);
        while (graphemes.MoveNext())
        {
            string grapheme = graphemes.GetTextElement();
            if (_cerCountsSpaces || !grapheme.EnumerateRunes().All(Rune.IsWhiteSpace)) characters.Add(grapheme);
        }
        return characters;
    }
}
