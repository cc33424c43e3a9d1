using Cluster.Speech.Batching;
using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Text;
using Cluster.Speech.Training;
using Cluster.Torch;

namespace Cluster.Shared.Jobs;

/// <summary>
/// The facts every node derives from a job spec and the files it names, decided here once: the coordinator resolves
/// the job before it starts any node (so a bad config fails the run at once), and DataNodes and trainers resolve it with
/// this same code from the same spec, never a fact their own way. What only the coordinator decides from the manifests
/// (the epoch plan, steps per epoch, the job's length) reaches the trainers in their schedules.
/// </summary>
public sealed class ResolvedJob
{
    private readonly Lazy<WhisperBatchOptions?> whisperBatches;

    private ResolvedJob(JobSpec spec, WhisperConfig? whisper, int sampleRate, int? cropSamples, DType wireEncoding)
    {
        Spec = spec;
        Whisper = whisper;
        // Checked when first used (by those who build or score batches): a trainer fed batches needs the model only.
        whisperBatches = new(() => whisper is null ? null : spec.Model.Whisper!.BatchOptions(whisper, spec.Data.Language, spec.Batching.MaxTokens));
        SampleRate = sampleRate;
        CropSamples = cropSamples;
        WireEncoding = wireEncoding;
    }

    public JobSpec Spec { get; }

    /// <summary>Pairs, or speech (with noise to mix in for enhancement): how the manifests are read.</summary>
    public DataForm DataForm => Spec.DataForm;

    /// <summary>Whisper's dimensions (<see cref="WhisperModelSpec.LoadConfig"/>): what DataNodes build features and labels
    /// for, and what trainers and evaluators build the model from. Null for an enhancement job.</summary>
    public WhisperConfig? Whisper { get; }

    /// <summary>How Whisper batches are built, for training (DataNodes) and evaluation (trainers, <c>cluster eval</c>).</summary>
    public WhisperBatchOptions? WhisperBatches => whisperBatches.Value;

    /// <summary>The rate audio is read and resampled at: Whisper's 16 kHz for its features, <c>data.sample_rate</c> for
    /// enhancement (training crops and evaluation alike).</summary>
    public int SampleRate { get; }

    /// <summary>Enhancement training crops in samples at <see cref="SampleRate"/>; null for Whisper.</summary>
    public int? CropSamples { get; }

    /// <summary>How batch tensors travel: float16 when the trainer computes in 16 bits anyway (half the bytes, and more
    /// mantissa than bf16), float32 otherwise.</summary>
    public DType WireEncoding { get; }

    /// <exception cref="InvalidDataException">The model's config file is missing or malformed; the message names it.</exception>
    public static ResolvedJob Resolve(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        DType wire = spec.Training.Precision == Precision.Float32 ? DType.Float32 : DType.Float16;
        if (spec.Model.Whisper is { } whisper)
            return new ResolvedJob(spec, whisper.LoadConfig(), LogMelSampleRate, null, wire);
        int rate = spec.Data.SampleRate;
        return new ResolvedJob(spec, null, rate, (int)Math.Round(spec.Enhancement.CropSeconds * rate), wire);
    }

    /// <summary>The tokenizer of the Whisper model (<see cref="WhisperModelSpec.LoadTokenizer"/>, sized to its vocabulary).</summary>
    /// <exception cref="InvalidOperationException">The job does not train Whisper.</exception>
    public WhisperTokenizer LoadTokenizer() =>
        Spec.Model.Whisper is { } whisper && Whisper is { } config
            ? whisper.LoadTokenizer(config.VocabSize)
            : throw new InvalidOperationException($"job '{Spec.Name}' does not train Whisper");

    private const int LogMelSampleRate = Speech.Features.LogMelSpectrogram.SampleRate;
}
