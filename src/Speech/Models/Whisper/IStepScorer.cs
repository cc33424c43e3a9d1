using Cluster.Torch;

namespace Cluster.Speech.Models.Whisper;

/// <summary>
/// What a token search needs from a model: the next-token logits of a batch of hypotheses. <see cref="TokenSearch"/>
/// drives it; the Whisper implementation keeps a key/value cache, and tests use crafted scorers.
/// </summary>
/// <remarks>
/// Each call passes every row's whole sequence so far; between calls a row grows by exactly one token, after any
/// <see cref="Reorder"/>. An implementation with a cache feeds only the tokens it has not seen.
/// </remarks>
public interface IStepScorer
{
    /// <summary>Logits [rows, V] of the token after each row of <paramref name="tokens"/> [rows, length] (int64, CPU).</summary>
    Tensor NextTokenLogits(Tensor tokens);

    /// <summary>Row i now continues the hypothesis that was row <paramref name="sourceRows"/>[i].</summary>
    void Reorder(IReadOnlyList<long> sourceRows);
}
