namespace Cluster.Speech.Text;

/// <summary>
/// Pads <see cref="TrainingExample"/>s to a batch: decoder inputs with a pad token (Whisper uses end-of-text), labels
/// with <see cref="IgnoreIndex"/> so cross-entropy skips the padding.
/// </summary>
public sealed class LabelCollator
{
    /// <summary>The label cross-entropy ignores (PyTorch's default <c>ignore_index</c>).</summary>
    public const long IgnoreIndex = -100;

    private readonly int _padTokenId;

    /// <param name="padTokenId">Decoder-input padding; pass <see cref="WhisperTokenizer.EndOfText"/>. Its value does not
    /// matter to the loss (those positions are ignored and causal attention keeps real positions from seeing them).</param>
    public LabelCollator(int padTokenId)
    {
        _padTokenId = padTokenId;
    }

    /// <exception cref="ArgumentException">The batch is empty.</exception>
    public TrainingBatch Collate(IReadOnlyList<TrainingExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0) throw new ArgumentException("Cannot collate an empty batch.", nameof(examples));

        int length = examples.Max(e => e.Length);
        var decoderInput = new long[examples.Count * length];
        var labels = new long[examples.Count * length];
        Array.Fill(decoderInput, _padTokenId);
        Array.Fill(labels, IgnoreIndex);
        for (int row = 0; row < examples.Count; row++)
        {
            TrainingExample example = examples[row];
            for (int t = 0; t < example.Length; t++)
            {
                decoderInput[row * length + t] = example.DecoderInput[t];
                labels[row * length + t] = example.Labels[t];
            }
        }
        return new TrainingBatch(examples.Count, length, decoderInput, labels);
    }
}
