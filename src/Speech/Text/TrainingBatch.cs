namespace Cluster.Speech.Text;

/// <summary>
/// Padded decoder inputs and labels of a batch, both <c>[BatchSize, Length]</c> row-major int64, ready to become
/// tensors. Label positions past an example's end hold <see cref="LabelCollator.IgnoreIndex"/>.
/// </summary>
public sealed class TrainingBatch
{
    internal TrainingBatch(int batchSize, int length, long[] decoderInput, long[] labels)
    {
        BatchSize = batchSize;
        Length = length;
        DecoderInput = decoderInput;
        Labels = labels;
    }

    public int BatchSize { get; }

    /// <summary>The longest example's length; every row is padded to it.</summary>
    public int Length { get; }

    public long[] DecoderInput { get; }

    public long[] Labels { get; }
}
