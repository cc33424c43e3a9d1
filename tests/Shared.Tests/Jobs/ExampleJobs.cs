namespace Cluster.Shared.Tests.Jobs;

/// <summary>The example jobs as shipped in the repository's <c>jobs/</c> folder, not copies that could drift.</summary>
internal static class ExampleJobs
{
    public static string PathOf(string file)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Cluster.sln")))
                return Path.Combine(directory.FullName, "jobs", file);
        }

        throw new DirectoryNotFoundException($"no Cluster.sln above {AppContext.BaseDirectory}");
    }
}
