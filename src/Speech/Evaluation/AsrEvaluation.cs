using Cluster.Speech.Data;
using Cluster.Speech.Text;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// Scores a speech recognizer on a manifest: every utterance transcribed in batches, WER and CER micro-averaged over
/// the corpus after normalization (<see cref="ErrorRateAccumulator"/>), kept per utterance for the report.
/// </summary>
public static class AsrEvaluation
{
    /// <exception cref="InvalidOperationException">The transcriber returned the wrong number of hypotheses or a
    /// null one.</exception>
    public static AsrReport Run(Manifest manifest, ITranscriber transcriber, AsrEvaluationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(transcriber);
        options ??= AsrEvaluationOptions.Default;
        var accumulator = new ErrorRateAccumulator(options.Normalize, options.CerCountsSpaces);
        var results = new List<AsrUtteranceResult>(manifest.Count);
        foreach (Utterance[] batch in manifest.Utterances.Chunk(options.BatchSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            IReadOnlyList<string> hypotheses = transcriber.Transcribe(batch)
                ?? throw new InvalidOperationException($"the transcriber returned null for the batch starting at '{batch[0].Id}'");
            if (hypotheses.Count != batch.Length)
                throw new InvalidOperationException($"the transcriber returned {hypotheses.Count} hypotheses for a batch of {batch.Length} (starting at '{batch[0].Id}')");
            for (int i = 0; i < batch.Length; i++)
            {
                string hypothesis = hypotheses[i]
                    ?? throw new InvalidOperationException($"the transcriber returned null for utterance '{batch[i].Id}'");
                UtteranceScore score = accumulator.Add(batch[i].Text, hypothesis);
                results.Add(new AsrUtteranceResult(results.Count, batch[i].Id, batch[i].Text, hypothesis, score));
            }
        }

        return new AsrReport(manifest.Source, results, accumulator, options.Normalize is not null, options.SampleCount);
    }
}
