namespace Cluster.Speech.Evaluation;

/// <summary>One evaluation pair as audio: the mixture the model hears and the clean speech it should give back, of
/// equal length at the set's <see cref="EnhancementEvaluationSet.SampleRate"/>.</summary>
public sealed record EnhancementAudio(string Id, float[] Noisy, float[] Clean);
