using Cluster.Speech.Data;
using Cluster.Speech.Evaluation;
using Cluster.Torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Shared.Jobs;

/// <summary>What a Whisper job is scored on and how, for the trainers' evaluations and <c>cluster eval</c> alike: the
/// same utterances, transcribed by the same <see cref="WhisperTranscriber"/> (clips padded or cut to the model's window)
/// in the same batches and scored by <see cref="AsrEvaluation"/>, so a checkpoint scores the same in the run and after
/// it.</summary>
public static class WhisperEvaluationData
{
    private const string Role = "evaluation manifest";

    /// <param name="manifests">The manifests to score (default: the job's <c>data.eval</c>), taken together as one set.</param>
    /// <exception cref="InvalidDataException">A manifest cannot be read, or an id appears twice; the message names the file.</exception>
    public static Manifest FromJob(JobSpec job, IReadOnlyList<string>? manifests = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        manifests ??= job.Data.Eval;
        if (manifests.Count == 0) throw new InvalidDataException($"{job.Name} names no evaluation manifest (data.eval)");
        Manifest[] read = [.. manifests.Select(path => JobManifests.ReadSpeech(job, path, Role))];
        if (read.Length == 1) return read[0];
        // Several manifests are scored as one set (micro-averaged), so an id may appear in only one of them.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (read.SelectMany(m => m.Utterances).FirstOrDefault(u => !seen.Add(u.Id)) is { } repeated)
        {
            throw new InvalidDataException($"id '{repeated.Id}' appears more than once in {string.Join(", ", manifests)}; the manifests are scored as one set, " +
                "so evaluate them one at a time (cluster eval --manifest)");
        }

        return new Manifest(string.Join(" + ", read.Select(m => m.Source)), read.SelectMany(m => m.Utterances));
    }

    /// <summary>The batches transcribed together: <paramref name="batchSize"/> (a <c>cluster eval</c> option), else the
    /// job's <c>batching.batch_size</c>.</summary>
    public static AsrEvaluationOptions Options(JobSpec job, int? batchSize = null, int? sampleCount = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        return new AsrEvaluationOptions
        {
            BatchSize = batchSize ?? job.Batching.BatchSize ?? AsrEvaluationOptions.Default.BatchSize,
            SampleCount = sampleCount ?? AsrEvaluationOptions.Default.SampleCount,
        };
    }

    /// <summary>The job's decoder prompt (language, task) and <paramref name="evaluation"/>'s decoding (greedy or beam,
    /// at most <c>generation_max_length</c> tokens) on <paramref name="model"/>, with the job's tokenizer.</summary>
    public static WhisperTranscriber Transcriber(JobSpec job, EvaluationSpec evaluation, WhisperModel model, Device device)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(model);
        WhisperModelSpec spec = job.Model.Whisper ?? throw new ArgumentException($"{job.Name} does not train Whisper", nameof(job));
        return new WhisperTranscriber(model, spec.LoadTokenizer(model.Config.VocabSize), evaluation.Decoding(job.Data.Language, spec.DecoderTask), device);
    }
}
