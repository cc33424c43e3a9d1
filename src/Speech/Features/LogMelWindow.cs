namespace Cluster.Speech.Features;

/// <summary>One 30 s window of a long recording: where it starts, how many real samples it holds, its features [n_mels, 3000].</summary>
public sealed record LogMelWindow(int Index, double OffsetSeconds, int SampleCount, float[] Features);
