using Cluster.Shared.Protocol;

namespace Cluster.Coordinator.Runtime;

/// <summary>
/// The OpenMP settings embedded nodes start with when the user has not set them: several libtorch processes share
/// one machine's cores here, which a cluster of pods does not. As torchrun does for its workers, CPU trainers split the
/// cores between them instead of each starting a thread per core; and idle OpenMP threads sleep instead of spinning on
/// a core another node needs (spinning made a shared-core CPU step ~10x slower in bench/learning).
/// </summary>
public static class LocalThreading
{
    /// <param name="role">The node being started.</param>
    /// <param name="device">Where a GpuNode trains: cpu or cuda.</param>
    /// <param name="cores">The machine's cores.</param>
    /// <param name="trainers">GpuNodes the job runs on this machine.</param>
    /// <param name="inherited">The value of an environment variable the child would inherit, or null.</param>
    /// <returns>The variables to set in the child's environment.</returns>
    public static IReadOnlyDictionary<string, string> ChildEnvironment(NodeRole role, string device, int cores, int trainers, Func<string, string?> inherited)
    {
        ArgumentNullException.ThrowIfNull(inherited);
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (inherited("OMP_WAIT_POLICY") is null) variables["OMP_WAIT_POLICY"] = "PASSIVE";
        if (role == NodeRole.Gpu && device == "cpu" && inherited("OMP_NUM_THREADS") is null)
            variables["OMP_NUM_THREADS"] = Math.Max(1, cores / Math.Max(1, trainers)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return variables;
    }
}
