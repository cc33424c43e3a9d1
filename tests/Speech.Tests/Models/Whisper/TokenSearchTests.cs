using Cluster.Speech.Models.Whisper;

namespace Cluster.Speech.Tests.Models.Whisper;

/// <summary>Greedy and beam search (openai/whisper decoding.py semantics) on crafted scorers.</summary>
public sealed class TokenSearchTests
{
    private static readonly IReadOnlyList<int> Prompt = [TableScorer.PromptToken];

    // Greedy takes 1 (0.5) then 3 (0.3) then ends: 0.5 · 0.3 · 0.9 = 0.135 over two tokens. Token 2 (0.4) followed
    // by an almost certain end is 0.396 over one token: better by any ranking, but greedy never looks at it.
    private static readonly Dictionary<string, Dictionary<int, double>> GreedyTrap = new()
    {
        [""] = new() { [1] = 0.5, [2] = 0.4, [3] = 0.05, [4] = 0.03, [0] = 0.02 },
        ["1"] = new() { [3] = 0.3, [4] = 0.28, [2] = 0.22, [0] = 0.2 },
        ["1,3"] = new() { [0] = 0.9, [4] = 0.1 },
        ["2"] = new() { [0] = 0.99, [1] = 0.01 },
    };

    private static TokenSearchOptions Options(int maxNewTokens = 10, int? beam = null) =>
        new() { EndOfText = TableScorer.EndOfText, MaxNewTokens = maxNewTokens, BeamSize = beam };

    [Fact]
    public void Beam_search_finds_the_best_hypothesis_where_greedy_does_not()
    {
        var greedy = TokenSearch.Run(new TableScorer(1, GreedyTrap), [Prompt], Options()).Single();
        var beam = TokenSearch.Run(new TableScorer(1, GreedyTrap), [Prompt], Options(beam: 2)).Single();

        Assert.Equal([1, 3], greedy.Tokens);
        Assert.Equal([2], beam.Tokens);
        Assert.Equal(Math.Log(0.5 * 0.3 * 0.9), greedy.SumLogProbability, 5);
        Assert.Equal(Math.Log(0.4 * 0.99), beam.SumLogProbability, 5);
        Assert.Equal(Math.Log(0.4 * 0.99) / 2, beam.AverageLogProbability, 5);
        Assert.True(beam.SumLogProbability / beam.Tokens.Count > greedy.SumLogProbability / greedy.Tokens.Count);
    }

    [Fact]
    public void Each_item_of_a_batch_is_searched_on_its_own_rows()
    {
        var scorer = new TableScorer(1, GreedyTrap);

        var results = TokenSearch.Run(scorer, [Prompt, Prompt, Prompt], Options(beam: 2));

        Assert.All(results, r => Assert.Equal([2], r.Tokens));
        Assert.All(scorer.Reorders, rows => Assert.Equal(6, rows.Length));
        // Rows only ever move within their item's beam.
        Assert.All(scorer.Reorders, rows => Assert.All(rows.Select((source, row) => (source, row)), p => Assert.Equal(p.row / 2, p.source / 2)));
    }

    // Short: [2] with log-probability ≈ -1.00. Long: [1, 3, 3, 3] with ≈ -1.88, which is better per token.
    private static readonly Dictionary<string, Dictionary<int, double>> ShortAndLong = new()
    {
        [""] = new() { [1] = 0.6, [2] = 0.37, [3] = 0.01, [4] = 0.01, [5] = 0.01, [0] = 1e-6 },
        ["2"] = new() { [0] = 0.99, [4] = 0.01 },
        ["1"] = new() { [3] = 0.9, [4] = 0.1 },
        ["1,3"] = new() { [3] = 0.9, [4] = 0.1 },
        ["1,3,3"] = new() { [3] = 0.9, [4] = 0.1 },
        ["1,3,3,3"] = new() { [0] = 0.35, [3] = 0.65 },
    };

    [Theory]
    [InlineData(null, new[] { 1, 3, 3, 3 })] // sum / length: -0.47 beats -1.00
    [InlineData(0.0, new[] { 2 })] // no normalisation: -1.00 beats -1.88
    [InlineData(1.0, new[] { 2 })] // ((5 + length) / 6)^1: -1.00 beats -1.88 / 1.5
    public void Finished_beams_are_ranked_with_openai_length_penalty(double? lengthPenalty, int[] expected)
    {
        var options = Options(beam: 2) with { LengthPenalty = lengthPenalty };

        var best = TokenSearch.Run(new TableScorer(1, ShortAndLong), [Prompt], options).Single();

        Assert.Equal(expected, best.Tokens);
    }

    [Fact]
    public void Patience_keeps_searching_until_more_hypotheses_have_finished()
    {
        var patient = new TableScorer(1, ShortAndLong);
        var impatient = new TableScorer(1, ShortAndLong);

        TokenSearch.Run(impatient, [Prompt], Options(beam: 2) with { Patience = 1.0 });
        TokenSearch.Run(patient, [Prompt], Options(beam: 2) with { Patience = 2.0 });

        Assert.Equal(5, impatient.Calls);
        Assert.True(patient.Calls > impatient.Calls, $"{patient.Calls} steps with patience 2");
    }

    [Fact]
    public void Greedy_and_beam_stop_at_max_new_tokens_and_close_open_hypotheses()
    {
        foreach (int? beam in new int?[] { null, 3 })
        {
            var scorer = new TableScorer(1, []);

            var result = TokenSearch.Run(scorer, [Prompt], Options(maxNewTokens: 5, beam: beam)).Single();

            Assert.Equal([1, 1, 1, 1, 1], result.Tokens);
            Assert.Equal(5, scorer.Calls);
            Assert.Equal(5 * Math.Log(TableScorer.Probability(TableScorer.Fallback, 1)), result.SumLogProbability, 4);
        }
        Assert.Empty(TokenSearch.Run(new TableScorer(1, []), [Prompt], Options(maxNewTokens: 0)).Single().Tokens);
    }

    // " " (3) is the likeliest start, then 1; after 1, " " is fine.
    private static readonly Dictionary<string, Dictionary<int, double>> BlankStart = new()
    {
        [""] = new() { [3] = 0.6, [0] = 0.25, [1] = 0.15 },
        ["1"] = new() { [3] = 0.8, [0] = 0.2 },
        ["1,3"] = new() { [0] = 0.9, [2] = 0.1 },
        ["3"] = new() { [0] = 0.9, [2] = 0.1 },
    };

    [Fact]
    public void Suppress_blank_forbids_the_blank_and_end_of_text_at_the_first_step_only()
    {
        var unsuppressed = TokenSearch.Run(new TableScorer(1, BlankStart), [Prompt], Options()).Single();
        var suppressed = TokenSearch.Run(new TableScorer(1, BlankStart), [Prompt], Options() with { SuppressAtBegin = [3, 0] }).Single();

        Assert.Equal([3], unsuppressed.Tokens);
        Assert.Equal([1, 3], suppressed.Tokens);
        // The suppressed start is scored by the renormalised distribution, as openai does (log-softmax after the filter).
        Assert.Equal(Math.Log(1.0 * 0.8 * 0.9), suppressed.SumLogProbability, 4);
    }

    [Fact]
    public void Suppressed_tokens_are_never_chosen()
    {
        var result = TokenSearch.Run(new TableScorer(1, GreedyTrap), [Prompt], Options(beam: 2) with { SuppressTokens = [2] }).Single();
        var greedy = TokenSearch.Run(new TableScorer(1, []), [Prompt], Options(maxNewTokens: 4) with { SuppressTokens = [1, 2] }).Single();

        Assert.Equal([1, 3], result.Tokens);
        Assert.Equal([3, 3, 3, 3], greedy.Tokens);
    }

    [Fact]
    public void Malformed_searches_are_refused()
    {
        var scorer = new TableScorer(1, []);
        Assert.Throws<ArgumentException>(() => TokenSearch.Run(scorer, [Prompt, [5, 5]], Options()));
        Assert.Throws<ArgumentException>(() => TokenSearch.Run(scorer, [Prompt], Options(beam: 0)));
        Assert.Throws<ArgumentException>(() => TokenSearch.Run(scorer, [Prompt], Options(beam: 6)));
        Assert.Throws<ArgumentException>(() => TokenSearch.Run(scorer, [Prompt], Options() with { SuppressTokens = [6] }));
    }
}
