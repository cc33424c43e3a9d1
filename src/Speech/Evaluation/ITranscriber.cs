using Cluster.Speech.Data;

namespace Cluster.Speech.Evaluation;

/// <summary>A speech recognizer as evaluation sees it: audio in, text out, one batch at a time.</summary>
public interface ITranscriber
{
    /// <summary>One hypothesis per utterance of <paramref name="batch"/>, in the same order. The transcriber reads
    /// the audio itself (<see cref="Utterance.AudioPath"/>, <see cref="Utterance.Offset"/>), so it decides how to
    /// featurize and pad.</summary>
    IReadOnlyList<string> Transcribe(IReadOnlyList<Utterance> batch);
}
