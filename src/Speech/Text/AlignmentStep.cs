namespace Cluster.Speech.Text;

/// <summary>
/// One aligned pair; <see cref="Reference"/> is null for an insertion and <see cref="Hypothesis"/> null for a deletion.
/// </summary>
public readonly record struct AlignmentStep(EditOperation Operation, string? Reference, string? Hypothesis);
