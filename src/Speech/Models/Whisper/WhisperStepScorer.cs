using Cluster.Torch;
using static Cluster.Torch.torch;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// A Whisper decoder as an <see cref="IStepScorer"/>: a key/value cache holds what it has seen, so each step feeds
/// only the new tokens (the whole prompt at the first step, one token after that).
/// </summary>
internal sealed class WhisperStepScorer(Whisper model, Tensor audioFeatures) : IStepScorer, IDisposable
{
    private readonly WhisperKvCache cache = new();

    public Tensor NextTokenLogits(Tensor tokens) // [rows, length] → [rows, V]
    {
        using var scope = NewDisposeScope();
        int seen = cache.Length;
        var fresh = tokens.narrow(1, seen, tokens.size(1) - seen).to(audioFeatures.device); // [rows, new]
        var logits = model.Decode(fresh, audioFeatures, cache); // [rows, new, V]
        return scope.MoveToOuter(logits.select(1, logits.size(1) - 1));
    }

    public void Reorder(IReadOnlyList<long> sourceRows) => cache.Reorder(sourceRows);

    public void Dispose() => cache.Dispose();
}
