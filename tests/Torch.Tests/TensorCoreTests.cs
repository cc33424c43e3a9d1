using static Cluster.Torch.torch;

namespace Cluster.Torch.Tests;

public class TensorCoreTests
{
    [Fact]
    public void Creation_fills_shapes_and_dtypes()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(new long[] { 2, 3 }, zeros(2, 3).shape);
        Assert.Equal(DType.Float32, ones(4).dtype);
        Assert.Equal(new[] { 7.5, 7.5 }, full([2], 7.5, DType.Float64).ToArray<double>());
        Assert.Equal(new long[] { 0, 1, 2, 3 }, arange(4).ToArray<long>());
        Assert.Equal(DType.Float32, arange(0.0, 1.0, 0.25).dtype);
        Assert.Equal(new float[] { 0, 0.5f, 1 }, linspace(0, 1, 3).ToArray<float>());
        Assert.Equal(new float[] { 1, 0, 0, 1 }, eye(2).ToArray<float>());
        foreach (var dtype in new[] { DType.Float16, DType.BFloat16, DType.Float64, DType.Int64, DType.Int32, DType.Int16, DType.UInt8, DType.Bool })
            Assert.Equal(dtype, zeros([3], dtype).dtype);
    }

    [Fact]
    public void Integer_scalars_keep_integer_dtype_and_floats_promote()
    {
        using var scope = NewDisposeScope();
        var ints = arange(3);
        Assert.Equal(DType.Int64, (ints + 2).dtype);
        Assert.Equal(DType.Float32, (ints + 2.0).dtype);
        Assert.Equal(new long[] { 2, 3, 4 }, (ints + 2).ToArray<long>());
    }

    [Fact]
    public void Arithmetic_broadcasts_like_pytorch()
    {
        using var scope = NewDisposeScope();
        var a = tensor(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var b = tensor(new float[] { 10, 20, 30 });
        Assert.Equal(new float[] { 11, 22, 33, 14, 25, 36 }, (a + b).ToArray<float>());
        Assert.Equal(new float[] { -9, -18, -27, -6, -15, -24 }, (a - b).ToArray<float>());
        Assert.Equal(new float[] { 2, 4, 6, 8, 10, 12 }, (a * 2).ToArray<float>());
        Assert.Equal(new float[] { 9, 8, 7, 6, 5, 4 }, (10 - a).ToArray<float>());
        Assert.Equal(new float[] { 6, 15 }, a.sum(1).ToArray<float>());
        Assert.Equal(3.5f, a.mean().item<float>());
        var (values, indices) = a.max(1);
        Assert.Equal(new float[] { 3, 6 }, values.ToArray<float>());
        Assert.Equal(new long[] { 2, 2 }, indices.ToArray<long>());
    }

    [Fact]
    public void Matmul_bmm_and_einsum_agree()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var a = randn(4, 2, 3);
        var b = randn(4, 3, 5);
        var viaBmm = a.bmm(b);
        var viaEinsum = einsum("bij,bjk->bik", a, b);
        Assert.True(viaBmm.allclose(viaEinsum, 1e-5, 1e-6));
        Assert.True(viaBmm.allclose(a.matmul(b)));
    }

    [Fact]
    public void Views_and_indexing_follow_python_semantics()
    {
        using var scope = NewDisposeScope();
        var x = arange(24).reshape(2, 3, 4);
        Assert.Equal(new long[] { 4, 5, 6, 7 }, x[0, 1].ToArray<long>());
        Assert.Equal(new long[] { 2, 2, 4 }, x[.., 1..3].shape);
        Assert.Equal(new long[] { 3, 7, 11 }, x[0, .., ^1].ToArray<long>());
        Assert.Equal(new long[] { 2, 1, 3, 4 }, x[.., TensorIndex.None].shape);
        Assert.Equal(new long[] { 2, 3 }, x[TensorIndex.Ellipsis, 0].shape);
        Assert.Equal(new long[] { 0, 2, 4 }, arange(6)[TensorIndex.Slice(0, null, 2)].ToArray<long>());
        var picked = x[1, tensor(new long[] { 2, 0 })];
        Assert.Equal(new long[] { 20, 21, 22, 23, 12, 13, 14, 15 }, picked.ToArray<long>());
        Assert.Equal(new long[] { 4, 3, 2 }, x.permute(2, 1, 0).shape);
        Assert.False(x.transpose(0, 2).is_contiguous());
        Assert.Equal(new long[] { 2, 12 }, x.flatten(1).shape);
        var parts = arange(10).split(4);
        Assert.Equal(3, parts.Length);
        Assert.Equal(new long[] { 8, 9 }, parts[2].ToArray<long>());
        Assert.Equal(new long[] { 4, 3, 4 }, cat([x, x], 0).shape);
        Assert.Equal(new long[] { 2, 2, 3, 4 }, stack([x, x], 0).shape);
        var padded = nn.functional.pad(ones(2, 2), [1, 1], PaddingMode.Constant, 0);
        Assert.Equal(new long[] { 2, 4 }, padded.shape);
    }

    [Fact]
    public void Index_assignment_writes_through_views_and_index_tensors()
    {
        using var scope = NewDisposeScope();
        var x = zeros([3, 3]);
        x[1] = full([3], 5.0f);
        x[tensor(new long[] { 0, 2 }), tensor(new long[] { 2, 0 })] = tensor(new float[] { 7, 9 });
        Assert.Equal(new float[] { 0, 0, 7, 5, 5, 5, 9, 0, 0 }, x.ToArray<float>());
    }

    [Fact]
    public void Sort_topk_argmax_where_and_masked_fill()
    {
        using var scope = NewDisposeScope();
        var v = tensor(new float[] { 3, 1, 4, 1, 5 });
        Assert.Equal(new float[] { 1, 1, 3, 4, 5 }, v.sort(stable: true).values.ToArray<float>());
        Assert.Equal(new long[] { 4, 2 }, v.topk(2).indices.ToArray<long>());
        Assert.Equal(4L, v.argmax().item<long>());
        Assert.Equal(new float[] { 3, 0, 4, 0, 5 }, where(v.gt(2), v, zeros_like(v)).ToArray<float>());
        Assert.Equal(new float[] { -1, 1, -1, 1, -1 }, v.masked_fill(v.gt(2), -1).ToArray<float>());
        var probabilities = v.softmax(0);
        Assert.Equal(1.0, probabilities.sum().item<double>(), 6);
    }

    [Fact]
    public void Autograd_computes_gradients_with_and_without_seed_gradient()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new double[] { 1, 2, 3 }, [3], requires_grad: true);
        (x * x).sum().backward();
        Assert.Equal(new double[] { 2, 4, 6 }, x.grad!.ToArray<double>());
        x.zero_grad();
        Assert.Null(x.grad);
        (x * 3).backward(tensor(new double[] { 1, 0, 2 }));
        Assert.Equal(new double[] { 3, 0, 6 }, x.grad!.ToArray<double>());
        Assert.True(x.is_leaf);
        var y = x * 2;
        Assert.False(y.is_leaf);
        Assert.False(y.detach().requires_grad);
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            Assert.False((x * 2).requires_grad);
        }
        Assert.True(is_grad_enabled());
    }

    [Fact]
    public void Shape_mismatch_raises_typed_exception_with_native_message_and_process_survives()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<TorchException>(() => ones(2, 3).add(ones(4, 5)));
        Assert.Contains("must match the size of tensor", error.Message);
        Assert.Equal(TorchErrorKind.Torch, error.Kind);
        var matmul = Assert.Throws<TorchException>(() => ones(2, 3).matmul(ones(4, 5)));
        Assert.Contains("cannot be multiplied", matmul.Message);
        Assert.Equal(6f, ones(2, 3).sum().item<float>());
    }

    [Fact]
    public void Dtype_mismatch_raises_typed_exception()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<TorchException>(() => ones([2, 2], DType.Float32).mm(ones([2, 2], DType.Float64)));
        Assert.Contains("expected", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Throws<InvalidCastException>(() => ones(2).ToArray<double>());
    }

    [Fact]
    public void Bad_index_raises_index_kind()
    {
        using var scope = NewDisposeScope();
        var error = Assert.Throws<TorchException>(() => ones(2, 3).select(0, 5));
        Assert.Equal(TorchErrorKind.Index, error.Kind);
        Assert.Contains("out of range", error.Message);
        Assert.Throws<IndexException>(() => ones(2)[0, 0]);
    }

    [Fact]
    public void Use_after_dispose_raises_object_disposed()
    {
        var t = ones(3);
        t.Dispose();
        Assert.True(t.IsDisposed);
        var error = Assert.Throws<ObjectDisposedException>(() => t.sum());
        Assert.Contains("disposed", error.Message);
        t.Dispose();
    }

    [Fact]
    public void Dispose_scope_frees_temporaries_and_keeps_moved_results()
    {
        Tensor kept;
        Tensor temporary;
        using (var outer = NewDisposeScope())
        {
            using (var inner = NewDisposeScope())
            {
                temporary = ones(2) * 3;
                kept = (temporary + 1).MoveToOuterDisposeScope();
            }
            Assert.True(temporary.IsDisposed);
            Assert.False(kept.IsDisposed);
            Assert.Equal(new float[] { 4, 4 }, kept.ToArray<float>());
        }
        Assert.True(kept.IsDisposed);
    }

    [Fact]
    public void From_array_shares_memory_and_tensor_copies()
    {
        var data = new float[] { 1, 2, 3, 4 };
        using var shared = from_array(data, 2, 2);
        using var copied = tensor(data, 2, 2);
        data[0] = 42;
        Assert.Equal(42f, shared.ToArray<float>()[0]);
        Assert.Equal(1f, copied.ToArray<float>()[0]);
        shared.mul_(2);
        Assert.Equal(84f, data[0]);
    }

    [Fact]
    public void Conversions_between_dtypes()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1.5f, -2.25f });
        Assert.Equal(new double[] { 1.5, -2.25 }, x.@double().ToArray<double>());
        Assert.Equal(new[] { (Half)1.5f, (Half)(-2.25f) }, x.half().ToArray<Half>());
        Assert.Equal(new[] { (BFloat16)1.5f, (BFloat16)(-2.25f) }, x.bfloat16().ToArray<BFloat16>());
        Assert.Equal(new long[] { 1, -2 }, x.@long().ToArray<long>());
        Assert.Equal(DType.Bool, x.gt(0).dtype);
        Assert.Equal(Device.CPU, x.to("cpu").device with { Index = -1 });
    }

    [Fact]
    public void Seeds_and_generator_state_restore_the_same_stream()
    {
        using var scope = NewDisposeScope();
        manual_seed(7);
        var first = randn(5).ToArray<float>();
        manual_seed(7);
        Assert.Equal(first, randn(5).ToArray<float>());
        var state = get_rng_state();
        var next = rand(4).ToArray<float>();
        set_rng_state(state);
        Assert.Equal(next, rand(4).ToArray<float>());
        using var generator = new Generator(11);
        var saved = generator.get_state();
        var a = randn([3], generator: generator).ToArray<float>();
        generator.set_state(saved);
        Assert.Equal(a, randn([3], generator: generator).ToArray<float>());
    }

    [Fact]
    public void Libtorch_reports_its_version_and_no_cuda_here_is_not_an_error()
    {
        var (major, _, _) = libtorch_version();
        Assert.True(major >= 1);
        Assert.True(cuda.device_count() >= 0);
    }
}
