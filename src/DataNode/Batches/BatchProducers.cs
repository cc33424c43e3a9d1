using Cluster.Shared.Jobs;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;

namespace Cluster.DataNode.Batches;

/// <summary>What a data node loads when it learns its job: manifests, tokenizer or noises, and the batch builder.</summary>
public static class BatchProducers
{
    /// <exception cref="InvalidDataException">A manifest, the model config or the tokenizer cannot be used; the message
    /// names the file and the reason.</exception>
    public static IBatchProducer FromJob(JobSpec job, string producer)
    {
        ArgumentNullException.ThrowIfNull(job);
        var resolved = ResolvedJob.Resolve(job);
        return resolved.Whisper is not null ? Whisper(resolved, producer) : Enhancement(resolved, producer);
    }

    private static WhisperBatchProducer Whisper(ResolvedJob job, string producer)
    {
        var tokenizer = job.LoadTokenizer();
        WhisperBatchOptions options = job.WhisperBatches!;
        _ = new WhisperBatchBuilder(tokenizer, options); // checks language and tokenizer now rather than on the first batch
        var utterances = TrainingData.Read(job.Spec).Utterances;
        return new WhisperBatchProducer(producer, utterances, () => new WhisperBatchBuilder(tokenizer, options), job.WireEncoding);
    }

    private static EnhancementBatchProducer Enhancement(ResolvedJob job, string producer)
    {
        EnhancementSpec spec = job.Spec.Enhancement;
        var options = new EnhancementBatchOptions
        {
            CropSamples = job.CropSamples!.Value,
            SampleRate = job.SampleRate,
            Seed = job.Spec.Seed,
        };
        if (job.DataForm == DataForm.CleanSpeechWithNoise)
        {
            options = options with
            {
                Mixer = new NoiseMixer(spec.MinSnrDb, spec.MaxSnrDb),
                Noises = NoiseRecordings.Load(spec.Noise, job.SampleRate),
            };
        }

        return new EnhancementBatchProducer(producer, TrainingData.Read(job.Spec).Pairs, new EnhancementBatchBuilder(options));
    }
}
