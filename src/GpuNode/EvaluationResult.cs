namespace Cluster.GpuNode;

/// <summary>One evaluation on <c>data.eval</c>: metrics by name ("loss", "cer", "wer", "si_snri") and, for ASR, a few
/// "reference => hypothesis" lines.</summary>
public sealed record EvaluationResult(IReadOnlyDictionary<string, double> Metrics, IReadOnlyList<string> Samples);
