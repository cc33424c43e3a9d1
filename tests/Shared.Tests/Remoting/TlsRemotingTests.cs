using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cluster.Shared.Actors;
using Cluster.Shared.Remoting;
using Google.Protobuf.WellKnownTypes;

namespace Cluster.Shared.Tests.Remoting;

public sealed class TlsRemotingTests : IAsyncLifetime
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("the job secret, 32 bytes long!!!");
    private readonly List<ActorSystem> _systems = [];
    private readonly List<ActorLogEvent> _log = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var system in _systems)
        {
            await system.TerminateAsync();
        }
    }

    private static X509Certificate2 CreateAuthority(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var certificate = request.Create(authority, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        using var withKey = certificate.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    private ActorSystem Start(string name, X509Certificate2 certificate, X509Certificate2 trustedRoot)
    {
        var system = ActorSystem.Create(name, new ActorSystemOptions
        {
            Log = e => { lock (_log) { _log.Add(e); } },
            Remote = new RemoteOptions
            {
                Secret = Secret,
                // These tests are about TLS, not failure detection: a detector tuned for speed (0.5 s pause) declared the
                // peer lost while a fresh CI clone loaded both cores at start-up, and the echo went unanswered.
                AcceptableHeartbeatPause = TimeSpan.FromSeconds(10),
                HandshakeTimeout = TimeSpan.FromSeconds(15),
                Messages = new MessageRegistry().Register<StringValue>(),
                Tls = new RemoteTlsOptions(certificate, [trustedRoot]),
            },
        });
        _systems.Add(system);
        system.ActorOf(Props.Create(() => new Echo()), "echo");
        return system;
    }

    [Fact]
    public async Task Nodes_with_certificates_from_the_job_authority_talk_over_mutual_TLS()
    {
        var authority = CreateAuthority("job-ca");
        var a = Start("a", Issue(authority, "a"), authority);
        var b = Start("b", Issue(authority, "b"), authority);
        var echo = b.ResolveActorRef($"{a.Address}/user/echo");
        var reply = await echo.Ask<StringValue>(new StringValue { Value = "sealed" }, TimeSpan.FromSeconds(10));
        Assert.Equal("sealed", reply.Value);
        Assert.Contains(b.Address, a.Remote!.ConnectedPeers);
    }

    [Fact]
    public async Task A_node_with_a_certificate_from_another_authority_is_refused_even_with_the_secret()
    {
        var authority = CreateAuthority("job-ca");
        var stranger = CreateAuthority("other-ca");
        var a = Start("a", Issue(authority, "a"), authority);
        var b = Start("b", Issue(stranger, "b"), authority);
        var echo = b.ResolveActorRef($"{a.Address}/user/echo");
        await Assert.ThrowsAsync<TimeoutException>(() => echo.Ask<StringValue>(new StringValue { Value = "hi" }, TimeSpan.FromMilliseconds(700)));
        Assert.Empty(a.Remote!.ConnectedPeers);
        lock (_log)
        {
            Assert.Contains(_log, e => e.Message.StartsWith("refused connection from", StringComparison.Ordinal));
        }
    }

    private sealed class Echo : ActorBase
    {
        protected override void Receive(object message) => Sender.Tell(message, Self);
    }
}
