using Cluster.Torch;

namespace Cluster.Speech.Models.Losses;

/// <summary>
/// A permutation-invariant loss: the scalar to back-propagate and, per batch item, the reference each
/// estimate was matched to (<c>Permutations[b][s]</c> is the reference index of estimate s).
/// </summary>
public sealed record PitResult(Tensor Loss, IReadOnlyList<int[]> Permutations);
