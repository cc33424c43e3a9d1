namespace Cluster.Speech.Features;

/// <summary>
/// Features of several clips in one row-major array, [BatchSize, MelBins, Frames]. In padded mode
/// every clip has 3000 frames. In unpadded mode clips differ in length: Frames is the longest,
/// <see cref="Lengths"/> holds each clip's own frame count, and the frames past a clip's length
/// hold that clip's floor value (what silence gives, as in padded mode).
/// </summary>
public sealed record LogMelBatch<T>(T[] Features, int BatchSize, int MelBins, int Frames, int[] Lengths) where T : unmanaged;
