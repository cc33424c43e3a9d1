namespace Cluster.Shared.Cli;

/// <summary>Process exit codes shared by the cluster's executables, so scripts can tell failures apart.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran and failed (bad data, a training that did not converge, ...).</summary>
    public const int Failure = 1;

    /// <summary>The command line itself was wrong.</summary>
    public const int Usage = 2;
}
