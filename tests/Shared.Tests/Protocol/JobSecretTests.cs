using Cluster.Shared.Jobs;
using Cluster.Shared.Protocol;

namespace Cluster.Shared.Tests.Protocol;

public sealed class JobSecretTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("job-secret-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_secret_file_is_read_without_its_trailing_newline()
    {
        string path = Path.Combine(_folder, "secret");
        File.WriteAllText(path, "0123456789abcdef0123\n");

        Assert.Equal("0123456789abcdef0123"u8.ToArray(), JobSecret.Load(new ClusterSpec { SecretFile = path, SecretEnv = null }));
    }

    [Fact]
    public void Missing_short_or_empty_secrets_are_refused_with_their_source()
    {
        string missing = Path.Combine(_folder, "nope");
        string shortFile = Path.Combine(_folder, "short");
        File.WriteAllText(shortFile, "tiny");
        string variable = "CLUSTER_TEST_SECRET_" + Guid.NewGuid().ToString("N");

        Assert.StartsWith($"secret file '{missing}': ", Assert.Throws<InvalidOperationException>(() => JobSecret.FromFile(missing)).Message);
        Assert.Equal($"secret file '{shortFile}': the secret has 4 bytes, fewer than the 16 required",
            Assert.Throws<InvalidOperationException>(() => JobSecret.FromFile(shortFile)).Message);
        Assert.Equal($"environment variable {variable} holds no job secret",
            Assert.Throws<InvalidOperationException>(() => JobSecret.FromEnvironment(variable)).Message);
    }

    [Fact]
    public void Generated_secrets_are_long_enough_and_differ()
    {
        string first = JobSecret.Generate(), second = JobSecret.Generate();

        Assert.Equal(64, first.Length);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void The_registry_knows_every_protocol_message_and_nothing_else()
    {
        var registry = ClusterMessages.CreateRegistry();

        Assert.True(registry.IsRegistered(StepCommitted.Descriptor.FullName));
        Assert.True(registry.IsRegistered(RequestBatches.Descriptor.FullName));
        Assert.True(registry.IsRegistered(BatchData.Descriptor.FullName));
        Assert.True(registry.IsRegistered(TensorPayload.Descriptor.FullName));
        Assert.False(registry.IsRegistered("cluster.remoting.Envelope"));
    }
}
