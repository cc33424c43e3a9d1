namespace Cluster.Torch.Optim;

/// <summary>The part of an optimizer a scheduler drives: per-group learning rates.</summary>
public interface ILearningRateTarget
{
    int GroupCount { get; }

    double GetLearningRate(int group);

    void SetLearningRate(int group, double lr);
}
