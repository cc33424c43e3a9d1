namespace Cluster.Torch.Amp;

/// <summary>
/// A <see cref="GradScaler"/>'s checkpoint, PyTorch's <c>GradScaler.state_dict()</c>: the current scale, the growth
/// and backoff settings, and how many clean steps have passed since the scale last changed.
/// </summary>
public sealed record GradScalerState(double scale, double growth_factor, double backoff_factor, int growth_interval, int growth_tracker);
