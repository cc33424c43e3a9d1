using System.Security.Cryptography;
using System.Text;

namespace Cluster.Shared.Remoting;

/// <summary>
/// HMAC-SHA256 challenge–response with the job secret. Each side sends a fresh nonce and signs
/// (role, both nonces, both addresses); the role label keeps one side's proof from being replayed as
/// the other's, the nonces keep old proofs from being replayed at all. The secret never travels.
/// </summary>
public static class HandshakeProof
{
    public const int NonceBytes = 32;
    public const string InitiatorRole = "initiator";
    public const string AcceptorRole = "acceptor";

    public static byte[] NewNonce() => RandomNumberGenerator.GetBytes(NonceBytes);

    public static byte[] Compute(byte[] secret, string role, ReadOnlySpan<byte> initiatorNonce, ReadOnlySpan<byte> acceptorNonce,
        string initiatorAddress, string acceptorAddress)
    {
        ArgumentNullException.ThrowIfNull(secret);
        using var data = new MemoryStream();
        void Text(string value)
        {
            data.Write(Encoding.UTF8.GetBytes(value));
            data.WriteByte(0);
        }
        Text(role);
        data.Write(initiatorNonce);
        data.Write(acceptorNonce);
        Text(initiatorAddress);
        Text(acceptorAddress);
        return HMACSHA256.HashData(secret, data.ToArray());
    }

    /// <summary>Constant-time comparison, so timing reveals nothing about how much of a forged proof was right.</summary>
    public static bool Verify(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> received) =>
        CryptographicOperations.FixedTimeEquals(expected, received);
}
