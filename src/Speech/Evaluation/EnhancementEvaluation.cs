using Cluster.Speech.Data;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// Scores a speech-enhancement model on noisy/clean pairs: SI-SNR of the mixture and of the output, their difference
/// (SI-SNRi) and the output's plain SNR, per pair and summarized, keeping the audio of the best and worst pairs for
/// plots.
/// </summary>
public static class EnhancementEvaluation
{
    /// <exception cref="InvalidDataException">A pair's noisy and clean recordings differ in length or are empty.</exception>
    /// <exception cref="InvalidOperationException">The enhancer returned the wrong number of waveforms, one of the
    /// wrong length, or one with NaN or infinite samples.</exception>
    /// <param name="sampleRate">The rate the recordings are read at: the one the model was trained at.</param>
    public static EnhancementReport Run(EnhancementManifest manifest, int sampleRate, IEnhancer enhancer, EnhancementEvaluationOptions? options = null,
        CancellationToken cancellationToken = default) =>
        Run(EnhancementEvaluationSet.FromManifest(manifest, sampleRate), enhancer, options, cancellationToken);

    /// <exception cref="InvalidDataException">A pair cannot be read or made.</exception>
    /// <exception cref="InvalidOperationException">The enhancer returned the wrong number of waveforms, one of the
    /// wrong length, or one with NaN or infinite samples.</exception>
    public static EnhancementReport Run(EnhancementEvaluationSet set, IEnhancer enhancer, EnhancementEvaluationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(enhancer);
        options ??= EnhancementEvaluationOptions.Default;
        var results = new List<EnhancementResult>(set.Count);
        var best = new List<EnhancementExample>();
        var worst = new List<EnhancementExample>();
        foreach (EnhancementAudio[] batch in set.Pairs().Chunk(options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<float[]> enhanced = enhancer.Enhance([.. batch.Select(pair => pair.Noisy)])
                ?? throw new InvalidOperationException($"the enhancer returned null for the batch starting at '{batch[0].Id}'");
            if (enhanced.Count != batch.Length)
                throw new InvalidOperationException($"the enhancer returned {enhanced.Count} waveforms for a batch of {batch.Length} (starting at '{batch[0].Id}')");
            for (int i = 0; i < batch.Length; i++)
            {
                var (id, noisy, clean) = batch[i];
                float[] output = Checked(enhanced[i], noisy.Length, id);
                var result = new EnhancementResult(results.Count, id,
                    SiSnrNoisy: SignalMetrics.SiSnr(noisy, clean),
                    SiSnrEnhanced: SignalMetrics.SiSnr(output, clean),
                    SiSnrImprovement: SignalMetrics.SiSnrImprovement(output, noisy, clean),
                    SnrEnhanced: SignalMetrics.Snr(output, clean));
                results.Add(result);
                if (options.PlotCount == 0) continue;
                var example = new EnhancementExample(result, noisy, output, clean);
                Keep(best, example, options.PlotCount, BestFirst);
                Keep(worst, example, options.PlotCount, WorstFirst);
            }
        }

        return new EnhancementReport(set.Source, set.SampleRate, results, best, worst);
    }

    // Ties go to manifest order, so the same scores always pick the same examples.
    private static int BestFirst(EnhancementExample a, EnhancementExample b)
    {
        int order = b.Result.SiSnrImprovement.CompareTo(a.Result.SiSnrImprovement);
        return order != 0 ? order : a.Result.Index.CompareTo(b.Result.Index);
    }

    private static int WorstFirst(EnhancementExample a, EnhancementExample b)
    {
        int order = a.Result.SiSnrImprovement.CompareTo(b.Result.SiSnrImprovement);
        return order != 0 ? order : a.Result.Index.CompareTo(b.Result.Index);
    }

    /// <summary>Adds the example to a ranking of at most <paramref name="count"/>, dropping whichever falls off the end.</summary>
    private static void Keep(List<EnhancementExample> ranking, EnhancementExample example, int count, Comparison<EnhancementExample> order)
    {
        int position = ranking.BinarySearch(example, Comparer<EnhancementExample>.Create(order));
        ranking.Insert(position >= 0 ? position : ~position, example);
        if (ranking.Count > count) ranking.RemoveAt(ranking.Count - 1);
    }

    private static float[] Checked(float[]? output, int length, string id)
    {
        if (output is null) throw new InvalidOperationException($"the enhancer returned null for pair '{id}'");
        if (output.Length != length)
            throw new InvalidOperationException($"the enhancer returned {output.Length} samples for pair '{id}', whose input has {length}");
        int bad = Array.FindIndex(output, x => !float.IsFinite(x));
        if (bad >= 0) throw new InvalidOperationException($"the enhancer's output for pair '{id}' has a non-finite sample at {bad} ({output[bad]})");
        return output;
    }
}
