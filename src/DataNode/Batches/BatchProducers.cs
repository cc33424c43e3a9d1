using Cluster.Shared.Jobs;
using Cluster.Speech.Audio;
using Cluster.Speech.Batching;
using Cluster.Speech.Data;
using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Text;
using Cluster.Speech.Training;
using Cluster.Torch;

namespace Cluster.DataNode.Batches;

/// <summary>What a data node loads when it learns its job: manifests, tokenizer or noises, and the batch builder.</summary>
public static class BatchProducers
{
    /// <exception cref="InvalidDataException">A manifest, the model config or the tokenizer cannot be used; the message
    /// names the file and the reason.</exception>
    public static IBatchProducer FromJob(JobSpec job, string producer)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.Model.Whisper is { } whisper ? Whisper(job, whisper, producer) : Enhancement(job, producer);
    }

    private static WhisperBatchProducer Whisper(JobSpec job, WhisperModelSpec model, string producer)
    {
        WhisperConfig config = model.LoadConfig();
        var tokenizer = model.LoadTokenizer(config.VocabSize);
        WhisperBatchOptions options = model.BatchOptions(config, job.Data.Language, job.Batching.MaxTokens);
        _ = new WhisperBatchBuilder(tokenizer, options); // checks language and tokenizer now rather than on the first batch
        var utterances = TrainingData.Read(job).Utterances;
        // Half the bytes on the wire when the trainer computes in 16 bits anyway; fp16 keeps more mantissa than bf16.
        DType encoding = job.Training.Precision == Precision.Float32 ? DType.Float32 : DType.Float16;
        return new WhisperBatchProducer(producer, utterances, () => new WhisperBatchBuilder(tokenizer, options), encoding);
    }

    private static EnhancementBatchProducer Enhancement(JobSpec job, string producer)
    {
        EnhancementSpec spec = job.Enhancement;
        var options = new EnhancementBatchOptions
        {
            CropSamples = (int)Math.Round(spec.CropSeconds * job.Data.SampleRate),
            SampleRate = job.Data.SampleRate,
            Seed = job.Seed,
        };
        if (job.DataForm == DataForm.CleanSpeechWithNoise)
        {
            options = options with
            {
                Mixer = new NoiseMixer(spec.MinSnrDb, spec.MaxSnrDb),
                Noises = NoiseRecordings.Load(spec.Noise, job.Data.SampleRate),
            };
        }

        return new EnhancementBatchProducer(producer, TrainingData.Read(job).Pairs, new EnhancementBatchBuilder(options));
    }
}
