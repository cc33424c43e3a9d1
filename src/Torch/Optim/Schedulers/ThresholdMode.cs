namespace Cluster.Torch.Optim;

/// <summary>
/// How <see cref="ReduceLROnPlateau"/> decides a metric improved on the best so far: by a fraction of the best
/// (<see cref="Rel"/>) or by a fixed amount (<see cref="Abs"/>).
/// </summary>
public enum ThresholdMode
{
    Rel,
    Abs,
}
