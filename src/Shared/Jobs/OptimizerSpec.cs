namespace Cluster.Shared.Jobs;

/// <summary>AdamW's hyper-parameters; the defaults are PyTorch's, except the learning rate, which the spec must give.</summary>
public sealed record OptimizerSpec
{
    /// <summary>"adamw", the only optimizer the trainers run.</summary>
    public string Name { get; init; } = "adamw";

    public double LearningRate { get; init; } = 1e-5;

    public double Beta1 { get; init; } = 0.9;

    public double Beta2 { get; init; } = 0.999;

    public double WeightDecay { get; init; } = 0.01;

    public double Eps { get; init; } = 1e-8;
}
