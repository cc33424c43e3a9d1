using Cluster.Torch.Interop;

namespace Cluster.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>torch.nn.functional: stateless forms of the layers and losses.</summary>
        public static class functional
        {
            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null)
            {
                var result = Native.ts_linear(input.Handle, weight.Handle, bias?.Handle ?? IntPtr.Zero);
                GC.KeepAlive(input);
                GC.KeepAlive(weight);
                GC.KeepAlive(bias);
                return Tensor.Wrap(result);
            }

            private static unsafe Tensor Convolution(Tensor input, Tensor weight, Tensor? bias, long[] stride, long[] padding,
                long[] dilation, long[] outputPadding, bool transposed, long groups)
            {
                var spatial = stride.Length;
                if (padding.Length != spatial || dilation.Length != spatial || outputPadding.Length != spatial)
                    throw new ArgumentException("stride, padding, dilation and output_padding need one entry per spatial dimension");
                IntPtr result;
                fixed (long* s = stride, p = padding, d = dilation, o = outputPadding)
                    result = Native.ts_convolution(input.Handle, weight.Handle, bias?.Handle ?? IntPtr.Zero, s, p, d, o, spatial, transposed ? 1 : 0, groups);
                GC.KeepAlive(input);
                GC.KeepAlive(weight);
                GC.KeepAlive(bias);
                return Tensor.Wrap(result);
            }

            public static Tensor conv1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0, long dilation = 1, long groups = 1) =>
                Convolution(input, weight, bias, [stride], [padding], [dilation], [0], false, groups);

            public static Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, (long, long)? stride = null, (long, long)? padding = null,
                (long, long)? dilation = null, long groups = 1) =>
                Convolution(input, weight, bias, Pair(stride ?? (1, 1)), Pair(padding ?? (0, 0)), Pair(dilation ?? (1, 1)), [0, 0], false, groups);

            public static Tensor conv_transpose1d(Tensor input, Tensor weight, Tensor? bias = null, long stride = 1, long padding = 0,
                long output_padding = 0, long groups = 1, long dilation = 1) =>
                Convolution(input, weight, bias, [stride], [padding], [dilation], [output_padding], true, groups);

            public static Tensor conv_transpose2d(Tensor input, Tensor weight, Tensor? bias = null, (long, long)? stride = null, (long, long)? padding = null,
                (long, long)? output_padding = null, long groups = 1, (long, long)? dilation = null) =>
                Convolution(input, weight, bias, Pair(stride ?? (1, 1)), Pair(padding ?? (0, 0)), Pair(dilation ?? (1, 1)), Pair(output_padding ?? (0, 0)), true, groups);

            private static long[] Pair((long, long) value) => [value.Item1, value.Item2];

            public static Tensor embedding(Tensor input, Tensor weight, long? padding_idx = null)
            {
                var result = Native.ts_embedding(weight.Handle, input.Handle, padding_idx ?? -1);
                GC.KeepAlive(input);
                GC.KeepAlive(weight);
                return Tensor.Wrap(result);
            }

            public static unsafe Tensor layer_norm(Tensor input, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
            {
                IntPtr result;
                fixed (long* s = normalized_shape)
                    result = Native.ts_layer_norm(input.Handle, s, normalized_shape.Length, weight?.Handle ?? IntPtr.Zero, bias?.Handle ?? IntPtr.Zero, eps);
                GC.KeepAlive(input);
                GC.KeepAlive(weight);
                GC.KeepAlive(bias);
                return Tensor.Wrap(result);
            }

            public static Tensor group_norm(Tensor input, long num_groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
            {
                var result = Native.ts_group_norm(input.Handle, num_groups, weight?.Handle ?? IntPtr.Zero, bias?.Handle ?? IntPtr.Zero, eps);
                GC.KeepAlive(input);
                GC.KeepAlive(weight);
                GC.KeepAlive(bias);
                return Tensor.Wrap(result);
            }

            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true)
            {
                var result = Native.ts_dropout(input.Handle, p, training ? 1 : 0);
                GC.KeepAlive(input);
                return Tensor.Wrap(result);
            }

            /// <summary>GELU; <paramref name="approximate"/> is "none" (erf) or "tanh".</summary>
            public static Tensor gelu(Tensor input, string approximate = "none") => approximate switch
            {
                "none" => Tensor.Unary(UnaryOp.Gelu, input),
                "tanh" => Tensor.Unary(UnaryOp.GeluTanh, input),
                _ => throw new ArgumentException($"gelu approximate must be 'none' or 'tanh', got '{approximate}'", nameof(approximate)),
            };

            public static Tensor relu(Tensor input) => input.relu();
            public static Tensor silu(Tensor input) => Tensor.Unary(UnaryOp.Silu, input);
            public static Tensor softplus(Tensor input) => Tensor.Unary(UnaryOp.Softplus, input);
            public static Tensor sigmoid(Tensor input) => input.sigmoid();
            public static Tensor tanh(Tensor input) => input.tanh();
            public static Tensor prelu(Tensor input, Tensor weight) => Tensor.Binary(BinaryOp.Prelu, input, weight);
            public static Tensor softmax(Tensor input, long dim, DType? dtype = null) => input.softmax(dim, dtype);
            public static Tensor log_softmax(Tensor input, long dim, DType? dtype = null) => input.log_softmax(dim, dtype);

            public static unsafe (Tensor output, Tensor h_n, Tensor c_n) lstm(Tensor input, Tensor? h0, Tensor? c0, Tensor[] weights,
                bool has_biases, long num_layers, double dropout, bool training, bool bidirectional, bool batch_first)
            {
                var handles = new IntPtr[weights.Length];
                for (var i = 0; i < weights.Length; i++) handles[i] = weights[i].Handle;
                IntPtr output, hN, cN;
                fixed (IntPtr* w = handles)
                    NativeCheck.Status(Native.ts_lstm(input.Handle, h0?.Handle ?? IntPtr.Zero, c0?.Handle ?? IntPtr.Zero, w, handles.Length,
                        has_biases ? 1 : 0, num_layers, dropout, training ? 1 : 0, bidirectional ? 1 : 0, batch_first ? 1 : 0, &output, &hN, &cN));
                GC.KeepAlive(input);
                GC.KeepAlive(h0);
                GC.KeepAlive(c0);
                GC.KeepAlive(weights);
                return (new Tensor(output), new Tensor(hN), new Tensor(cN));
            }

            /// <summary>Cross-entropy over class logits [N, C] or [N, C, d...]; targets equal to ignore_index are skipped.</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100,
                Reduction reduction = Reduction.Mean, double label_smoothing = 0.0)
            {
                var result = Native.ts_cross_entropy(input.Handle, target.Handle, weight?.Handle ?? IntPtr.Zero, (int)reduction, ignore_index, label_smoothing);
                GC.KeepAlive(input);
                GC.KeepAlive(target);
                GC.KeepAlive(weight);
                return Tensor.Wrap(result);
            }

            public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean)
            {
                var result = Native.ts_nll_loss(input.Handle, target.Handle, weight?.Handle ?? IntPtr.Zero, (int)reduction, ignore_index);
                GC.KeepAlive(input);
                GC.KeepAlive(target);
                GC.KeepAlive(weight);
                return Tensor.Wrap(result);
            }

            private static Tensor PointwiseLoss(int kind, Tensor input, Tensor target, Reduction reduction)
            {
                var result = Native.ts_pointwise_loss(kind, input.Handle, target.Handle, (int)reduction);
                GC.KeepAlive(input);
                GC.KeepAlive(target);
                return Tensor.Wrap(result);
            }

            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => PointwiseLoss(0, input, target, reduction);
            public static Tensor l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => PointwiseLoss(1, input, target, reduction);
            public static Tensor smooth_l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => PointwiseLoss(2, input, target, reduction);
            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) => PointwiseLoss(3, input, target, reduction);

            /// <summary>torch.nn.functional.pad: <paramref name="pad"/> lists (left, right) pairs starting from the last dimension.</summary>
            public static unsafe Tensor pad(Tensor input, long[] pad, PaddingMode mode = PaddingMode.Constant, double value = 0)
            {
                IntPtr result;
                fixed (long* p = pad) result = Native.ts_pad(input.Handle, p, pad.Length, (int)mode, value);
                GC.KeepAlive(input);
                return Tensor.Wrap(result);
            }

            /// <summary>F.unfold (im2col) over [N, C, H, W] → [N, C·kh·kw, L].</summary>
            public static unsafe Tensor unfold(Tensor input, (long, long) kernel_size, (long, long)? dilation = null, (long, long)? padding = null, (long, long)? stride = null)
            {
                long[] k = Pair(kernel_size), d = Pair(dilation ?? (1, 1)), p = Pair(padding ?? (0, 0)), s = Pair(stride ?? (1, 1));
                IntPtr result;
                fixed (long* kp = k, dp = d, pp = p, sp = s) result = Native.ts_im2col(input.Handle, kp, dp, pp, sp);
                GC.KeepAlive(input);
                return Tensor.Wrap(result);
            }

            /// <summary>F.fold (col2im): the inverse arrangement of <see cref="unfold"/>, summing overlaps.</summary>
            public static unsafe Tensor fold(Tensor input, (long, long) output_size, (long, long) kernel_size, (long, long)? dilation = null,
                (long, long)? padding = null, (long, long)? stride = null)
            {
                long[] o = Pair(output_size), k = Pair(kernel_size), d = Pair(dilation ?? (1, 1)), p = Pair(padding ?? (0, 0)), s = Pair(stride ?? (1, 1));
                IntPtr result;
                fixed (long* op = o, kp = k, dp = d, pp = p, sp = s) result = Native.ts_col2im(input.Handle, op, kp, dp, pp, sp);
                GC.KeepAlive(input);
                return Tensor.Wrap(result);
            }

            public static Tensor one_hot(Tensor input, long num_classes = -1)
            {
                var result = Native.ts_one_hot(input.Handle, num_classes);
                GC.KeepAlive(input);
                return Tensor.Wrap(result);
            }
        }
    }
}
