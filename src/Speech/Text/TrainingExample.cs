namespace Cluster.Speech.Text;

/// <summary>
/// One utterance's decoder targets for teacher forcing: the decoder reads <see cref="DecoderInput"/> and is trained to
/// predict <see cref="Labels"/>, the same token sequence one step ahead.
/// </summary>
public sealed class TrainingExample
{
    /// <exception cref="ArgumentException">The two sequences are empty or differ in length.</exception>
    public TrainingExample(int[] decoderInput, int[] labels)
    {
        ArgumentNullException.ThrowIfNull(decoderInput);
        ArgumentNullException.ThrowIfNull(labels);
        if (decoderInput.Length == 0 || decoderInput.Length != labels.Length)
            throw new ArgumentException(
                $"Decoder input and labels must be non-empty and of equal length; got {decoderInput.Length} and {labels.Length}.");
        DecoderInput = decoderInput;
        Labels = labels;
    }

    /// <summary>The full sequence without its last token (which is end-of-text).</summary>
    public int[] DecoderInput { get; }

    /// <summary>The full sequence without its first token (which is start-of-transcript).</summary>
    public int[] Labels { get; }

    public int Length => Labels.Length;
}
