namespace Cluster.Torch;

public static partial class torch
{
    /// <summary>torch.amp: mixed-precision helpers (<see cref="autocast"/> lives on <c>torch</c> itself, as in PyTorch).</summary>
    public static class amp
    {
        public static Amp.GradScaler GradScaler(double init_scale = 65536.0, double growth_factor = 2.0, double backoff_factor = 0.5,
            int growth_interval = 2000, bool enabled = true) =>
            new(init_scale, growth_factor, backoff_factor, growth_interval, enabled);
    }
}
