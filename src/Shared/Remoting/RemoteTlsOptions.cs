using System.Security.Cryptography.X509Certificates;

namespace Cluster.Shared.Remoting;

/// <summary>
/// Mutual TLS under the HMAC handshake: every node presents <see cref="Certificate"/> (with its private
/// key) and accepts only peers whose certificate chains to one of <see cref="TrustedRoots"/>. Host names
/// are not checked, because pods are addressed by IP; the roots are the trust decision.
/// </summary>
public sealed record RemoteTlsOptions(X509Certificate2 Certificate, X509Certificate2Collection TrustedRoots)
{
    internal bool IsTrusted(X509Certificate? peer)
    {
        if (peer is null)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(TrustedRoots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return peer is X509Certificate2 certificate && chain.Build(certificate);
    }
}
