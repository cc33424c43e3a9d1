namespace Cluster.Shared.Cli;

/// <summary>
/// The honest answer of a command that is planned but not built yet: it says so, starts nothing and
/// exits with <see cref="ExitCodes.NotBuilt"/>, so no script mistakes it for a success.
/// </summary>
public static class NotBuilt
{
    public static int Report(TextWriter error, string command, string arrivesWith)
    {
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine($"{command}: not built yet; it arrives with {arrivesWith}. Nothing was started.");
        return ExitCodes.NotBuilt;
    }
}
