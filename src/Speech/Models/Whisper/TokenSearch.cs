using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// Greedy and beam search over an <see cref="IStepScorer"/>, as openai/whisper's <c>decoding.py</c> does them at
/// temperature 0: <c>GreedyDecoder</c>, <c>BeamSearchDecoder</c> (with patience) and <c>MaximumLikelihoodRanker</c>
/// (with length penalty), after the <c>SuppressTokens</c> and <c>SuppressBlank</c> logit filters. Scores are float32
/// sums, as there, so the same inputs give the same ranking.
/// </summary>
public static class TokenSearch
{
    /// <summary>
    /// Searches a continuation of <paramref name="prompts"/> (one per item, all the same length) for each item. The
    /// scorer serves one row per item when greedy and <c>BeamSize</c> consecutive rows per item for beam search.
    /// </summary>
    /// <exception cref="ArgumentException">Prompts of different lengths, or options that make no search.</exception>
    public static IReadOnlyList<SearchHypothesis> Run(IStepScorer scorer, IReadOnlyList<IReadOnlyList<int>> prompts, TokenSearchOptions options)
    {
        ArgumentNullException.ThrowIfNull(scorer);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        if (prompts.Count == 0) throw new ArgumentException("nothing to search: no prompts", nameof(prompts));
        int promptLength = prompts[0].Count;
        if (promptLength == 0 || prompts.Any(p => p.Count != promptLength))
            throw new ArgumentException("every item needs a prompt, and all of the same length", nameof(prompts));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxNewTokens, nameof(options));
        using var filter = new LogitFilter(options);
        if (options.BeamSize is not { } beam) return Greedy(scorer, prompts, options, filter);
        if (beam < 1) throw new ArgumentException($"beam size must be at least 1, got {beam}", nameof(options));
        return BeamSearch(scorer, prompts, options, beam, filter);
    }

    private static List<SearchHypothesis> Greedy(IStepScorer scorer, IReadOnlyList<IReadOnlyList<int>> prompts, TokenSearchOptions options, LogitFilter filter)
    {
        int rows = prompts.Count, eot = options.EndOfText;
        var sequences = prompts.Select(p => p.Select(t => (long)t).ToList()).ToList();
        var sums = new float[rows];
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            long[] next;
            float[] logprob;
            using (var scope = NewDisposeScope())
            {
                var logits = filter.Apply(scorer.NextTokenLogits(Tokens(sequences)), step == 0); // [rows, V]
                var best = logits.argmax(-1); // [rows]
                next = best.ToArray<long>();
                logprob = logits.log_softmax(-1).gather(1, best.unsqueeze(1)).ToArray<float>();
            }
            bool finished = true;
            for (int r = 0; r < rows; r++)
            {
                // A finished row only repeats end-of-text, which adds nothing to its score.
                if (sequences[r][^1] == eot) next[r] = eot;
                else sums[r] += logprob[r];
                sequences[r].Add(next[r]);
                finished &= next[r] == eot;
            }
            if (finished) break;
        }
        return sequences.Select((s, r) => new SearchHypothesis(Text(s, prompts[r].Count, eot), sums[r])).ToList();
    }

    private static List<SearchHypothesis> BeamSearch(IStepScorer scorer, IReadOnlyList<IReadOnlyList<int>> prompts, TokenSearchOptions options, int beam, LogitFilter filter)
    {
        int items = prompts.Count, rows = items * beam, eot = options.EndOfText, promptLength = prompts[0].Count;
        double patience = options.Patience ?? 1.0;
        // Python's round(): halves go to even, as Math.Round does by default.
        int maxCandidates = (int)Math.Round(beam * patience);
        if (!(patience > 0) || maxCandidates < 1) throw new ArgumentException($"patience {patience} leaves no room for a finished hypothesis", nameof(options));
        var sequences = Enumerable.Range(0, rows).Select(r => prompts[r / beam].Select(t => (long)t).ToArray()).ToList();
        var sums = new float[rows];
        var finished = Enumerable.Range(0, items).Select(_ => new OrderedDictionary<string, Scored>(StringComparer.Ordinal)).ToArray();
        int candidatesPerRow = beam + 1;
        for (int step = 0; step < options.MaxNewTokens; step++)
        {
            float[] topLogprobs;
            long[] topTokens;
            using (var scope = NewDisposeScope())
            {
                var logits = filter.Apply(scorer.NextTokenLogits(Tokens(sequences)), step == 0); // [rows, V]
                if (logits.size(1) < candidatesPerRow)
                    throw new ArgumentException($"beam size {beam} needs a vocabulary of more than {beam} tokens", nameof(options));
                var (values, indices) = logits.log_softmax(-1).topk(candidatesPerRow); // [rows, beam + 1]
                topLogprobs = values.ToArray<float>();
                topTokens = indices.ToArray<long>();
            }

            var nextSequences = new List<long[]>(rows);
            var sources = new List<long>(rows);
            var nextSums = new float[rows];
            var newlyFinished = new List<OrderedDictionary<string, Scored>>(items);
            for (int item = 0; item < items; item++)
            {
                // Keyed by the whole sequence: at the first step every beam row holds the same prompt, and identical
                // candidates must count once (the last source wins, as in Python's dict).
                var candidates = new OrderedDictionary<string, Scored>(StringComparer.Ordinal);
                for (int j = 0; j < beam; j++)
                {
                    int row = item * beam + j;
                    for (int c = 0; c < candidatesPerRow; c++)
                    {
                        long[] sequence = [.. sequences[row], topTokens[row * candidatesPerRow + c]];
                        candidates[Key(sequence)] = new Scored(sequence, sums[row] + topLogprobs[row * candidatesPerRow + c], row);
                    }
                }
                var ended = new OrderedDictionary<string, Scored>(StringComparer.Ordinal);
                int kept = 0;
                foreach (var (key, candidate) in candidates.OrderByDescending(c => c.Value.Score))
                {
                    if (candidate.Sequence[^1] == eot)
                    {
                        ended[key] = candidate;
                        continue;
                    }
                    nextSums[nextSequences.Count] = candidate.Score;
                    nextSequences.Add(candidate.Sequence);
                    sources.Add(candidate.Source);
                    if (++kept == beam) break;
                }
                newlyFinished.Add(ended);
            }
            sequences = nextSequences;
            sums = nextSums;
            scorer.Reorder(sources);

            for (int item = 0; item < items; item++)
                foreach (var (key, candidate) in newlyFinished[item].OrderByDescending(c => c.Value.Score))
                {
                    if (finished[item].Count >= maxCandidates) break;
                    finished[item][key] = candidate;
                }
            if (finished.All(f => f.Count >= maxCandidates)) break;
        }

        var results = new List<SearchHypothesis>(items);
        for (int item = 0; item < items; item++)
        {
            // Too few finished: close the best open beams where they stand.
            var open = Enumerable.Range(item * beam, beam).OrderByDescending(r => sums[r]);
            foreach (int row in open)
            {
                if (finished[item].Count >= beam) break;
                long[] sequence = [.. sequences[row], eot];
                finished[item][Key(sequence)] = new Scored(sequence, sums[row], row);
            }
            results.Add(Best(finished[item].Values, promptLength, eot, options.LengthPenalty));
        }
        return results;
    }

    // MaximumLikelihoodRanker: the first hypothesis with the best length-normalised score.
    private static SearchHypothesis Best(IEnumerable<Scored> hypotheses, int promptLength, int eot, double? lengthPenalty)
    {
        SearchHypothesis? best = null;
        double bestScore = double.NegativeInfinity;
        foreach (var hypothesis in hypotheses)
        {
            var text = Text(hypothesis.Sequence, promptLength, eot);
            double penalty = lengthPenalty is { } alpha ? Math.Pow((5.0 + text.Count) / 6.0, alpha) : text.Count;
            double score = hypothesis.Score / penalty;
            if (best is null || score > bestScore)
            {
                best = new SearchHypothesis(text, hypothesis.Score);
                bestScore = score;
            }
        }
        return best!;
    }

    // The tokens after the prompt, up to the first end-of-text.
    private static IReadOnlyList<int> Text(IReadOnlyList<long> sequence, int promptLength, int eot)
    {
        var text = new List<int>();
        for (int i = promptLength; i < sequence.Count && sequence[i] != eot; i++) text.Add((int)sequence[i]);
        return text;
    }

    private static Tensor Tokens<TRow>(List<TRow> sequences) where TRow : IReadOnlyList<long>
    {
        int length = sequences[0].Count;
        var flat = new long[sequences.Count * length];
        for (int r = 0; r < sequences.Count; r++)
            for (int i = 0; i < length; i++) flat[r * length + i] = sequences[r][i];
        return tensor(flat, sequences.Count, length); // [rows, length]
    }

    private static string Key(long[] sequence) => string.Join(',', sequence);

    private sealed record Scored(long[] Sequence, float Score, int Source);

    // The logit filters: suppressed tokens get -inf, before both the choice and the log-probabilities.
    private sealed class LogitFilter(TokenSearchOptions options) : IDisposable
    {
        private Tensor? always;
        private Tensor? atBegin;

        public Tensor Apply(Tensor logits, bool first) // [rows, V] → float32 [rows, V]
        {
            var result = logits.to(float32);
            if (options.SuppressTokens.Count > 0)
                result = result.masked_fill(always ??= Mask(options.SuppressTokens, result), double.NegativeInfinity);
            if (first && options.SuppressAtBegin.Count > 0)
                result = result.masked_fill(atBegin ??= Mask(options.SuppressAtBegin, result), double.NegativeInfinity);
            return result;
        }

        private static Tensor Mask(IReadOnlyList<int> tokens, Tensor logits)
        {
            long vocabulary = logits.size(1);
            var mask = new bool[vocabulary];
            foreach (int token in tokens)
            {
                if (token < 0 || token >= vocabulary)
                    throw new ArgumentException($"token {token} to suppress is outside the vocabulary of {vocabulary}");
                mask[token] = true;
            }
            return tensor(mask, new long[] { vocabulary }, logits.device).DetachFromDisposeScope(); // [V]
        }

        public void Dispose()
        {
            always?.Dispose();
            atBegin?.Dispose();
        }
    }
}
