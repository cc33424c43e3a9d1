using Cluster.Speech.Audio;
using Cluster.Speech.Data;
using Cluster.Speech.Features;
using Cluster.Speech.Models.Whisper;
using Cluster.Speech.Text;
using Cluster.Torch;
using static Cluster.Torch.torch;
using WhisperModel = Cluster.Speech.Models.Whisper.Whisper;

namespace Cluster.Speech.Evaluation;

/// <summary>
/// A Whisper as an <see cref="ITranscriber"/>: each clip is read at 16 kHz (its offset and duration in the file),
/// zero-padded or cut to the encoder's window of <see cref="WhisperConfig.InputFrames"/> frames (as Hugging Face's
/// feature extractor pads and truncates, and as the training batches are padded), turned into log-Mel features and
/// decoded with <see cref="WhisperModel.Generate"/>. The caller puts the model in eval mode.
/// </summary>
public sealed class WhisperTranscriber : ITranscriber
{
    private readonly WhisperModel model;
    private readonly WhisperTokenizer tokenizer;
    private readonly WhisperDecodingOptions decoding;
    private readonly Device device;
    private readonly LogMelSpectrogram extractor;

    /// <param name="device">Where <paramref name="model"/> lives.</param>
    public WhisperTranscriber(WhisperModel model, WhisperTokenizer tokenizer, WhisperDecodingOptions decoding, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(decoding);
        this.model = model;
        this.tokenizer = tokenizer;
        this.decoding = decoding;
        this.device = device;
        extractor = new LogMelSpectrogram(new LogMelOptions { NMels = model.Config.NumMelBins, PadOrTrimTo30Seconds = false });
    }

    /// <summary>The longest clip the model hears.</summary>
    public double WindowSeconds => (double)WindowSamples / LogMelSpectrogram.SampleRate;

    /// <summary>Clips transcribed so far that were longer than <see cref="WindowSeconds"/> and cut to it: the model
    /// never heard their ends, so their errors say more about the data than about the model.</summary>
    public int Trimmed { get; private set; }

    private int WindowSamples => model.Config.InputFrames * LogMelSpectrogram.HopLength;

    /// <exception cref="IOException">A clip cannot be read.</exception>
    /// <exception cref="InvalidDataException">A clip has NaN or infinite samples.</exception>
    public IReadOnlyList<string> Transcribe(IReadOnlyList<Utterance> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) return [];
        int frames = model.Config.InputFrames, bins = model.Config.NumMelBins, window = WindowSamples;
        var features = new float[batch.Count * bins * frames]; // [B, bins, frames]
        var padded = new float[window];
        for (int i = 0; i < batch.Count; i++)
        {
            Utterance utterance = batch[i];
            float[] samples = AudioFile.Read(utterance.AudioPath, new AudioReadOptions
            {
                TargetSampleRate = LogMelSpectrogram.SampleRate,
                Offset = utterance.Offset ?? 0,
                Duration = utterance.Duration,
            }).Samples;
            int bad = Array.FindIndex(samples, s => !float.IsFinite(s));
            if (bad >= 0)
                throw new InvalidDataException($"utterance '{utterance.Id}': {utterance.AudioPath} has a NaN or infinite sample at {(double)bad / LogMelSpectrogram.SampleRate:0.###} s");
            if (samples.Length > window) Trimmed++;
            Array.Clear(padded);
            samples.AsSpan(0, Math.Min(samples.Length, window)).CopyTo(padded);
            extractor.Compute(padded, features.AsSpan(i * bins * frames, bins * frames));
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var mel = tensor(features, new long[] { batch.Count, bins, frames }, device);
        return [.. model.Generate(mel, decoding, tokenizer).Select(transcript => transcript.Text ?? "")];
    }
}
