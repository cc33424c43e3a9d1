using Cluster.Speech.Text;

namespace Cluster.Speech.Tests.Text;

/// <summary>Hand-counted word and character error rates, micro-averaged over utterances, with their alignments.</summary>
public sealed class ErrorRateTests
{
    private static AlignmentStep M(string token) => new(EditOperation.Match, token, token);

    private static AlignmentStep S(string reference, string hypothesis) => new(EditOperation.Substitute, reference, hypothesis);

    private static AlignmentStep D(string reference) => new(EditOperation.Delete, reference, null);

    private static AlignmentStep I(string hypothesis) => new(EditOperation.Insert, null, hypothesis);

    [Fact]
    public void A_substitution_a_deletion_and_an_insertion_are_counted_and_aligned()
    {
        // the cat sat on the mat → the bat sat the mat today: cat→bat, on deleted, today inserted.
        Alignment alignment = Alignment.Align(["the", "cat", "sat", "on", "the", "mat"], ["the", "bat", "sat", "the", "mat", "today"]);
        Assert.Equal([M("the"), S("cat", "bat"), M("sat"), D("on"), M("the"), M("mat"), I("today")], alignment.Steps);
        Assert.Equal((4, 1, 1, 1), (alignment.Hits, alignment.Substitutions, alignment.Deletions, alignment.Insertions));
        Assert.Equal(6, alignment.ReferenceLength);
        Assert.Equal(3, alignment.Errors);
        Assert.Equal(0.5, alignment.ErrorRate);
    }

    [Fact]
    public void Equal_cost_alignments_prefer_substitution()
    {
        Alignment alignment = Alignment.Align(["a", "b"], ["c", "d"]);
        Assert.Equal([S("a", "c"), S("b", "d")], alignment.Steps);
        Assert.Equal(1.0, alignment.ErrorRate);
    }

    [Fact]
    public void Empty_sides_are_all_deletions_or_all_insertions()
    {
        Alignment deleted = Alignment.Align(["a", "b"], []);
        Assert.Equal([D("a"), D("b")], deleted.Steps);
        Alignment inserted = Alignment.Align([], ["a", "b"]);
        Assert.Equal([I("a"), I("b")], inserted.Steps);
        Assert.Equal(2.0, inserted.ErrorRate);
        Assert.Equal(0.0, Alignment.Align([], []).ErrorRate);
    }

    [Fact]
    public void Corpus_rates_are_micro_averaged()
    {
        var accumulator = new ErrorRateAccumulator();
        accumulator.Add("the cat sat on the mat", "the bat sat the mat today"); // 3 word errors of 6
        accumulator.Add("hello world", "hello world");                      // 0 of 2
        accumulator.Add("one two three four five six seven eight", "one two"); // 6 of 8
        Assert.Equal(9, accumulator.WordErrors);
        Assert.Equal(16, accumulator.ReferenceWords);
        Assert.Equal(9.0 / 16, accumulator.Wer);
        Assert.NotEqual((0.5 + 0 + 0.75) / 3, accumulator.Wer);
        Assert.Equal(3, accumulator.Utterances.Count);
        Assert.Equal(0.75, accumulator.Utterances[2].Words.ErrorRate);
    }

    [Fact]
    public void Chinese_character_error_rate_ignores_spacing_by_default()
    {
        var normalizer = new BasicTextNormalizer();
        var accumulator = new ErrorRateAccumulator(normalizer.Normalize);
        // Reference normalizes to "今天天氣很好 我們去台北 " (11 characters); hypothesis "今天天气很好我们去台北":
        // 氣→气 and 們→们 substituted; the space punctuation left behind is not an error.
        UtteranceScore score = accumulator.Add("今天天氣很好，我們去台北！", "今天天气很好我们去台北");
        Assert.Equal("今天天氣很好 我們去台北 ", score.Reference);
        Assert.Equal(11, score.Characters.ReferenceLength);
        Assert.Equal(2, score.Characters.Substitutions);
        Assert.Equal(0, score.Characters.Deletions + score.Characters.Insertions);
        Assert.Equal(2.0 / 11, accumulator.Cer);
        Assert.Contains(S("們", "们"), score.Characters.Steps);
    }

    [Fact]
    public void Counting_spaces_follows_jiwer()
    {
        var accumulator = new ErrorRateAccumulator(cerCountsSpaces: true);
        // "a cat" (5 characters with its space) against "acat": one deletion of the space.
        UtteranceScore score = accumulator.Add("  a   cat ", "acat");
        Assert.Equal(5, score.Characters.ReferenceLength);
        Assert.Equal([M("a"), D(" "), M("c"), M("a"), M("t")], score.Characters.Steps);
        Assert.Equal(0.2, accumulator.Cer);
        Assert.Equal(0.0, new ErrorRateAccumulator().Add("a cat", "acat").Characters.ErrorRate);
    }

    [Fact]
    public void Characters_are_grapheme_clusters()
    {
        var accumulator = new ErrorRateAccumulator();
        UtteranceScore score = accumulator.Add("cafe\u0301 👍🏽", "café 👍");
        Assert.Equal(5, score.Characters.ReferenceLength);
        Assert.Equal([M("c"), M("a"), M("f"), S("e\u0301", "é"), S("👍🏽", "👍")], score.Characters.Steps);
    }

    [Fact]
    public void Empty_references_count_insertions_and_never_give_NaN()
    {
        var accumulator = new ErrorRateAccumulator();
        Assert.Equal(0.0, accumulator.Wer);
        accumulator.Add("", "");
        Assert.Equal(0.0, accumulator.Wer);
        accumulator.Add("", "uh huh");
        Assert.Equal(2, accumulator.WordErrors);
        Assert.Equal(0, accumulator.ReferenceWords);
        Assert.Equal(2.0, accumulator.Wer);
        accumulator.Add("yes no", "yes no");
        Assert.Equal(1.0, accumulator.Wer);
        Assert.Equal(5.0 / 5, accumulator.Cer);
    }
}
