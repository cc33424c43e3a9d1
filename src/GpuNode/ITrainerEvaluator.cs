namespace Cluster.GpuNode;

/// <summary>Evaluates the model being trained on the job's evaluation data (rank 0, on the training thread).</summary>
public interface ITrainerEvaluator
{
    EvaluationResult Evaluate();
}
