using Cluster.Shared.Wire;
using Cluster.Torch;

namespace Cluster.Shared.Tests.Wire;

public sealed class WireTensorTests
{
    private static readonly float[] Values = [0f, 1f, -2.5f, 3.14159f, 65504f, 1e-3f];

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float16)]
    [InlineData(DType.BFloat16)]
    public void Floats_survive_the_round_trip_through_bytes_and_a_tensor_as_libtorch_rounds_them(DType encoding)
    {
        var sent = WireTensor.FromFloats("features", Values, [2, 3], encoding);

        var received = WireTensor.Parse(sent.Name, sent.DType, [.. sent.Shape], sent.Data);
        using var tensor = received.ToTensor();
        using var reference = torch.tensor(Values, [2, 3]).to(encoding);

        Assert.Equal(encoding, tensor.dtype);
        Assert.Equal([2L, 3L], tensor.shape);
        Assert.True(tensor.allclose(reference, rtol: 0, atol: 0)); // libtorch's own rounding to the encoding
        using var asFloat = reference.to(DType.Float32);
        Assert.Equal(asFloat.ToArray<float>(), received.ToFloats());
    }

    [Fact]
    public void Labels_travel_as_int64()
    {
        long[] labels = [50258, 50260, -100, 7];
        var received = WireTensor.Parse("labels", DType.Int64, [2, 2], WireTensor.FromInt64("labels", labels, [2, 2]).Data);

        Assert.Equal(labels, received.ToInt64());
        using var tensor = received.ToTensor();
        Assert.Equal(labels, tensor.ToArray<long>());
    }

    [Theory]
    [InlineData(DType.Float64, new long[] { 2 }, 16, "dtype Float64 is not one the wire carries")]
    [InlineData(DType.Float32, new long[] { 2, -1 }, 8, "negative dimension")]
    [InlineData(DType.Float32, new long[] { 2, 3 }, 20, "needs 24 bytes but 20 came")]
    [InlineData(DType.Float16, new long[] { long.MaxValue, long.MaxValue }, 8, "bytes but 8 came")]
    public void A_payload_whose_bytes_do_not_match_its_header_is_refused_with_the_tensor_name(DType dtype, long[] shape, int bytes, string reason)
    {
        var error = Assert.Throws<InvalidDataException>(() => WireTensor.Parse("noisy", dtype, shape, new byte[bytes]));

        Assert.StartsWith("tensor 'noisy': ", error.Message);
        Assert.Contains(reason, error.Message);
    }

    [Fact]
    public void Encoding_checks_the_shape_and_the_float_encoding()
    {
        Assert.Contains("does not hold 6 values", Assert.Throws<ArgumentException>(() => WireTensor.FromFloats("x", Values, [4, 2])).Message);
        Assert.Contains("not Int64", Assert.Throws<ArgumentException>(() => WireTensor.FromFloats("x", Values, [6], DType.Int64)).Message);
    }
}
