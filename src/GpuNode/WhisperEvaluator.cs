using Cluster.Shared.Jobs;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;
using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Text;
using Cluster.Torch;
using Cluster.Torch.Modules;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.GpuNode;

/// <summary>
/// Whisper on <c>data.eval</c>: the teacher-forced loss over every labelled token and, when the spec asks for
/// generation, transcripts (greedy or beam, up to <c>generation_max_length</c> tokens) scored by CER and WER after
/// Whisper's basic normalisation. The evaluation batches are built once, with the training batches' features.
/// </summary>
public sealed class WhisperEvaluator : ITrainerEvaluator
{
    private const int SampleLines = 3;
    private readonly WhisperModel model;
    private readonly EvaluationSpec spec;
    private readonly WhisperTokenizer tokenizer;
    private readonly WhisperDecodingOptions decoding;
    private readonly List<(WhisperBatch Batch, string[] References)> batches = [];
    private readonly Device device;

    /// <exception cref="ManifestFormatException">An evaluation manifest cannot be read.</exception>
    public WhisperEvaluator(WhisperModel model, JobSpec job, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(job);
        this.model = model;
        this.device = device;
        spec = job.Evaluation;
        var whisper = job.Model.Whisper ?? throw new ArgumentException("the job does not train Whisper", nameof(job));
        tokenizer = whisper.LoadTokenizer(model.Config.VocabSize);
        decoding = spec.Decoding(job.Data.Language, whisper.DecoderTask);
        var builder = new WhisperBatchBuilder(tokenizer, new WhisperBatchOptions
        {
            Language = job.Data.Language,
            Task = whisper.DecoderTask,
            Frames = 2 * model.Config.MaxSourcePositions,
            MelBins = model.Config.NumMelBins,
            MaxLabelTokens = Math.Min(model.Config.MaxTargetPositions, WhisperTokenizer.DefaultMaxLength),
        });
        int batchSize = job.Batching.BatchSize ?? 8;
        foreach (var path in job.Data.Eval)
        {
            var manifest = ManifestReader.Read(path, job.Data.Format);
            foreach (var chunk in manifest.Utterances.Chunk(batchSize))
            {
                var batch = builder.Build($"eval-{batches.Count}", chunk);
                if (batch.Count == 0) continue;
                var texts = chunk.ToDictionary(u => u.Id, u => u.Text, StringComparer.Ordinal);
                batches.Add((batch, [.. batch.UtteranceIds.Select(id => texts[id])]));
            }
        }
    }

    public EvaluationResult Evaluate()
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var errors = new ErrorRateAccumulator(new BasicTextNormalizer().Normalize);
            var samples = new List<string>();
            double lossSum = 0;
            long tokens = 0;
            foreach (var (batch, references) in batches)
            {
                using var scope = NewDisposeScope();
                var mel = tensor(batch.Features, new long[] { batch.Count, batch.MelBins, batch.Frames }, device);
                var labels = tensor(batch.Labels.Labels, new long[] { batch.Count, batch.Labels.Length }, device);
                var input = tensor(batch.Labels.DecoderInput, new long[] { batch.Count, batch.Labels.Length }, device);
                long count = labels.ne(-100).sum().item<long>();
                if (count > 0)
                {
                    lossSum += WhisperModel.Loss(model.forward((mel, input)), labels).item<double>() * count;
                    tokens += count;
                }
                if (!spec.Generate) continue;
                var transcripts = model.Generate(mel, decoding, tokenizer);
                for (int i = 0; i < references.Length; i++)
                {
                    string hypothesis = transcripts[i].Text ?? "";
                    errors.Add(references[i], hypothesis);
                    if (samples.Count < SampleLines) samples.Add($"{references[i]} => {hypothesis}");
                }
            }
            var metrics = new Dictionary<string, double> { ["loss"] = tokens == 0 ? double.NaN : lossSum / tokens };
            if (spec.Generate)
            {
                metrics["cer"] = errors.Cer;
                metrics["wer"] = errors.Wer;
            }
            return new EvaluationResult(metrics, samples);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
