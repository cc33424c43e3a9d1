using System.Collections.Frozen;

namespace Cluster.Coordinator.Api;

/// <summary>
/// The status page's files (<c>Api/StatusPage</c>, embedded in this assembly as <c>status-page/NAME</c>), read once.
/// The coordinator serves every file the page uses, so the page needs nothing from the internet.
/// </summary>
internal sealed class StatusPageAssets
{
    /// <summary>The page itself, served at <c>/</c>.</summary>
    public const string Page = "index.html";

    private const string Prefix = "status-page/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, (byte[] Content, string ContentType)> files;

    private StatusPageAssets(FrozenDictionary<string, (byte[] Content, string ContentType)> files) => this.files = files;

    public static StatusPageAssets Load()
    {
        var assembly = typeof(StatusPageAssets).Assembly;
        var files = new Dictionary<string, (byte[], string)>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            string name = resource[Prefix.Length..];
            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            files[name] = (memory.ToArray(), ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
        }

        if (!files.ContainsKey(Page)) throw new InvalidOperationException($"the status page ({Prefix}{Page}) is not embedded in {assembly.GetName().Name}");
        return new StatusPageAssets(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public bool TryGet(string name, out (byte[] Content, string ContentType) file) => files.TryGetValue(name, out file);
}
