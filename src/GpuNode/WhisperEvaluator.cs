using Cluster.Shared.Jobs;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;
using Cluster.Torch;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.GpuNode;

/// <summary>
/// Whisper on <c>data.eval</c>: the teacher-forced loss over every labelled token (of the clips a training batch could
/// hold, built once with the training batches' features) and, when the spec asks for generation, CER and WER from the
/// pipeline <c>cluster eval</c> runs (<see cref="WhisperEvaluationData"/>): the same checkpoint scores the same in the
/// run and after it.
/// </summary>
public sealed class WhisperEvaluator : ITrainerEvaluator
{
    private const int SampleLines = 3;
    private readonly WhisperModel model;
    private readonly EvaluationSpec spec;
    private readonly Manifest manifest;
    private readonly WhisperTranscriber transcriber;
    private readonly AsrEvaluationOptions scoring;
    private readonly List<WhisperBatch> lossBatches = [];
    private readonly Device device;

    /// <exception cref="InvalidDataException">An evaluation manifest cannot be read.</exception>
    public WhisperEvaluator(WhisperModel model, ResolvedJob resolved, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(resolved);
        JobSpec job = resolved.Spec;
        this.model = model;
        this.device = device;
        spec = job.Evaluation;
        if (resolved.Whisper is null) throw new ArgumentException("the job does not train Whisper", nameof(resolved));
        manifest = WhisperEvaluationData.FromJob(job);
        transcriber = WhisperEvaluationData.Transcriber(job, spec, model, device);
        scoring = WhisperEvaluationData.Options(job, sampleCount: 0);
        var builder = new WhisperBatchBuilder(resolved.LoadTokenizer(), resolved.WhisperBatches!);
        foreach (var chunk in manifest.Utterances.Chunk(scoring.BatchSize))
        {
            var batch = builder.Build($"eval-{lossBatches.Count}", chunk);
            if (batch.Count > 0) lossBatches.Add(batch);
        }
    }

    public EvaluationResult Evaluate()
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            double lossSum = 0;
            long tokens = 0;
            foreach (var batch in lossBatches)
            {
                using var scope = NewDisposeScope();
                var mel = tensor(batch.Features, new long[] { batch.Count, batch.MelBins, batch.Frames }, device);
                var labels = tensor(batch.Labels.Labels, new long[] { batch.Count, batch.Labels.Length }, device);
                var input = tensor(batch.Labels.DecoderInput, new long[] { batch.Count, batch.Labels.Length }, device);
                long count = labels.ne(-100).sum().item<long>();
                if (count == 0) continue;
                lossSum += WhisperModel.Loss(model.forward((mel, input)), labels).item<double>() * count;
                tokens += count;
            }

            var metrics = new Dictionary<string, double> { ["loss"] = tokens == 0 ? double.NaN : lossSum / tokens };
            if (!spec.Generate) return new EvaluationResult(metrics, []);
            AsrReport report = AsrEvaluation.Run(manifest, transcriber, scoring);
            metrics["cer"] = report.Cer;
            metrics["wer"] = report.Wer;
            return new EvaluationResult(metrics, [.. report.Utterances.Take(SampleLines).Select(u => $"{u.Reference} => {u.Hypothesis}")]);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
