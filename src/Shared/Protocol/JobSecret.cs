using System.Text;
using Cluster.Shared.Jobs;
using Cluster.Shared.Remoting;

namespace Cluster.Shared.Protocol;

/// <summary>Reads the job's shared secret from where the spec says it is (a file or an environment variable).</summary>
public static class JobSecret
{
    /// <exception cref="InvalidOperationException">The secret is missing, unreadable or shorter than remoting accepts;
    /// the message names the file or variable.</exception>
    public static byte[] Load(ClusterSpec cluster)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (cluster.SecretFile is { } file) return FromFile(file);
        if (cluster.SecretEnv is { } variable) return FromEnvironment(variable);
        throw new InvalidOperationException("the job spec names neither cluster.secret_file nor cluster.secret_env");
    }

    public static byte[] FromFile(string path)
    {
        byte[] secret;
        try
        {
            secret = Encoding.UTF8.GetBytes(File.ReadAllText(path).Trim());
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"secret file '{path}': {error.Message}", error);
        }
        return Checked(secret, $"secret file '{path}'");
    }

    public static byte[] FromEnvironment(string variable)
    {
        string? value = Environment.GetEnvironmentVariable(variable);
        if (string.IsNullOrWhiteSpace(value))
            throw new InvalidOperationException($"environment variable {variable} holds no job secret");
        return Checked(Encoding.UTF8.GetBytes(value.Trim()), $"environment variable {variable}");
    }

    /// <summary>A fresh random secret for a job whose nodes are all started by this process (the embedded mode).</summary>
    public static string Generate() => Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private static byte[] Checked(byte[] secret, string source) =>
        secret.Length >= RemoteOptions.MinimumSecretBytes
            ? secret
            : throw new InvalidOperationException($"{source}: the secret has {secret.Length} bytes, fewer than the {RemoteOptions.MinimumSecretBytes} required");
}
