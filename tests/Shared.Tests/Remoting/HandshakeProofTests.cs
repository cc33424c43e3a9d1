using System.Security.Cryptography;
using System.Text;
using Cluster.Shared.Remoting;

namespace Cluster.Shared.Tests.Remoting;

public sealed class HandshakeProofTests
{
    private static readonly byte[] Secret = Encoding.UTF8.GetBytes("a job secret of enough length");
    private static readonly byte[] NonceA = Enumerable.Repeat((byte)1, HandshakeProof.NonceBytes).ToArray();
    private static readonly byte[] NonceB = Enumerable.Repeat((byte)2, HandshakeProof.NonceBytes).ToArray();

    private static byte[] Proof(byte[] secret, string role = HandshakeProof.InitiatorRole, byte[]? nonce = null, string initiator = "a") =>
        HandshakeProof.Compute(secret, role, nonce ?? NonceA, NonceB, initiator, "b");

    [Fact]
    public void The_proof_is_HMAC_SHA256_over_role_nonces_and_addresses()
    {
        var data = Encoding.UTF8.GetBytes("initiator\0").Concat(NonceA).Concat(NonceB).Concat(Encoding.UTF8.GetBytes("a\0b\0")).ToArray();
        Assert.Equal(HMACSHA256.HashData(Secret, data), Proof(Secret));
    }

    [Fact]
    public void Any_change_of_secret_role_nonce_or_address_changes_the_proof()
    {
        var proof = Proof(Secret);
        Assert.True(HandshakeProof.Verify(proof, Proof(Secret)));
        Assert.False(HandshakeProof.Verify(proof, Proof(Encoding.UTF8.GetBytes("another secret of enough length"))));
        Assert.False(HandshakeProof.Verify(proof, Proof(Secret, HandshakeProof.AcceptorRole)));
        Assert.False(HandshakeProof.Verify(proof, Proof(Secret, nonce: NonceB)));
        Assert.False(HandshakeProof.Verify(proof, Proof(Secret, initiator: "c")));
        Assert.False(HandshakeProof.Verify(proof, proof[..16]));
    }

    [Fact]
    public void Nonces_are_fresh()
    {
        Assert.NotEqual(HandshakeProof.NewNonce(), HandshakeProof.NewNonce());
        Assert.Equal(HandshakeProof.NonceBytes, HandshakeProof.NewNonce().Length);
    }
}
