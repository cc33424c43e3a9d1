using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Features;
using Cluster.Speech.Text;

namespace Cluster.Speech.Batching;

/// <summary>
/// Reads, checks, featurizes and tokenizes the utterances of one planned batch. Nothing here is random, so whichever
/// data node builds a batch (again, after another died) produces the same bytes, which keeps resumes exact.
/// </summary>
public sealed class WhisperBatchBuilder
{
    private readonly WhisperBatchOptions _options;
    private readonly WhisperTokenizer _tokenizer;
    private readonly LogMelSpectrogram _extractor;
    private readonly LabelCollator _collator;

    public WhisperBatchBuilder(WhisperTokenizer tokenizer, WhisperBatchOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        if (tokenizer.IsMultilingual && options.Language is null)
            throw new ArgumentException("A multilingual tokenizer needs the language of the transcripts.", nameof(options));
        if (options.Language is { } language) tokenizer.LanguageToken(language); // an unknown code fails here, not per batch
        _tokenizer = tokenizer;
        _options = options;
        _extractor = new LogMelSpectrogram(new LogMelOptions { NMels = options.MelBins, PadOrTrimTo30Seconds = false });
        _collator = new LabelCollator(tokenizer.EndOfText);
    }

    /// <summary>
    /// The batch of <paramref name="utterances"/> (in order). An utterance that cannot be used — unreadable audio,
    /// NaN/Inf samples, too long for <see cref="WhisperBatchOptions.Frames"/>, an empty or too-long transcript — is left
    /// out and listed in <see cref="WhisperBatch.Skipped"/>; a batch may end up empty.
    /// </summary>
    public WhisperBatch Build(string batchId, IReadOnlyList<Utterance> utterances)
    {
        ArgumentException.ThrowIfNullOrEmpty(batchId);
        ArgumentNullException.ThrowIfNull(utterances);
        var ids = new List<string>(utterances.Count);
        var examples = new List<TrainingExample>(utterances.Count);
        var clips = new List<float[]>(utterances.Count);
        var skipped = new List<SkippedItem>();
        foreach (var utterance in utterances)
        {
            string? reason = TryPrepare(utterance, out float[]? samples, out TrainingExample? example);
            if (reason is not null)
            {
                skipped.Add(new SkippedItem(utterance.Id, utterance.AudioPath, reason));
                continue;
            }
            ids.Add(utterance.Id);
            clips.Add(samples!);
            examples.Add(example!);
        }

        int frames = _options.Frames, bins = _options.MelBins;
        var features = new float[ids.Count * bins * frames];
        var padded = new float[_options.MaxSamples];
        for (int i = 0; i < clips.Count; i++)
        {
            Array.Clear(padded);
            clips[i].CopyTo(padded, 0);
            _extractor.Compute(padded, features.AsSpan(i * bins * frames, bins * frames)); // [bins, frames]
        }
        var labels = examples.Count == 0 ? new TrainingBatch(0, 0, [], []) : _collator.Collate(examples);
        return new WhisperBatch(batchId, ids, bins, frames, features, labels, skipped)
        {
            AudioSeconds = clips.Sum(c => (double)c.Length) / LogMelSpectrogram.SampleRate,
        };
    }

    private string? TryPrepare(Utterance utterance, out float[]? samples, out TrainingExample? example)
    {
        samples = null;
        example = null;
        if (string.IsNullOrWhiteSpace(utterance.Text)) return "empty transcript";
        int labelTokens = _tokenizer.LabelSequenceLength(utterance.Text);
        if (labelTokens > _options.MaxLabelTokens)
            return $"label sequence of {labelTokens} tokens, more than {_options.MaxLabelTokens}";

        AudioData audio;
        try
        {
            audio = AudioFile.Read(utterance.AudioPath, new AudioReadOptions
            {
                TargetSampleRate = LogMelSpectrogram.SampleRate,
                Offset = utterance.Offset ?? 0,
                Duration = utterance.Duration,
            });
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return $"unreadable audio: {error.Message}";
        }

        float[] data = audio.Samples;
        int firstBad = Array.FindIndex(data, s => !float.IsFinite(s));
        if (firstBad >= 0) return $"NaN/Inf sample at {(double)firstBad / LogMelSpectrogram.SampleRate:0.###} s";
        if (data.Length == 0) return "no samples";
        if (data.Length > _options.MaxSamples)
            return $"{audio.Duration:0.###} s, longer than the {(double)_options.MaxSamples / LogMelSpectrogram.SampleRate:0.###} s a batch holds";

        samples = data;
        example = _tokenizer.BuildLabels(utterance.Text, _options.Language, _options.Task, _options.MaxLabelTokens);
        return null;
    }
}
