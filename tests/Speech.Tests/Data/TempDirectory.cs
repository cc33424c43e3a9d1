using System.Text;

namespace Cluster.Speech.Tests.Data;

/// <summary>A scratch folder for manifests written by a test, deleted afterwards.</summary>
internal sealed class TempDirectory : IDisposable
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    public string Root { get; } = Directory.CreateTempSubdirectory("speech-data-").FullName;

    public string Combine(string relative) => Path.Combine(Root, relative);

    /// <summary>Writes <paramref name="content"/> as UTF-8 (no BOM) and returns the file's absolute path.</summary>
    public string Write(string relative, string content) => WriteBytes(relative, Utf8NoBom.GetBytes(content));

    public string WriteBytes(string relative, byte[] content)
    {
        string path = Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
