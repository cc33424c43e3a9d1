using Cluster.Torch.Modules;

namespace Cluster.Torch;

public static partial class torch
{
    /// <summary>torch.nn: layer factories with PyTorch's argument names and defaults.</summary>
    public static partial class nn
    {
        public static Linear Linear(long in_features, long out_features, bool bias = true) => new(in_features, out_features, bias);

        public static Conv1d Conv1d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
            long dilation = 1, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias);

        public static Conv2d Conv2d(long in_channels, long out_channels, long kernel_size, long stride = 1, long padding = 0,
            long dilation = 1, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias);

        public static Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernel_size, (long, long)? stride = null,
            (long, long)? padding = null, (long, long)? dilation = null, long groups = 1, bool bias = true) =>
            new(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias);

        public static ConvTranspose1d ConvTranspose1d(long in_channels, long out_channels, long kernel_size, long stride = 1,
            long padding = 0, long output_padding = 0, long groups = 1, bool bias = true, long dilation = 1) =>
            new(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation);

        public static ConvTranspose2d ConvTranspose2d(long in_channels, long out_channels, long kernel_size, long stride = 1,
            long padding = 0, long output_padding = 0, long groups = 1, bool bias = true, long dilation = 1) =>
            new(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation);

        public static ConvTranspose2d ConvTranspose2d(long in_channels, long out_channels, (long, long) kernel_size,
            (long, long)? stride = null, (long, long)? padding = null, (long, long)? output_padding = null, long groups = 1,
            bool bias = true, (long, long)? dilation = null) =>
            new(in_channels, out_channels, kernel_size, stride, padding, output_padding, groups, bias, dilation);

        public static Embedding Embedding(long num_embeddings, long embedding_dim, long? padding_idx = null) =>
            new(num_embeddings, embedding_dim, padding_idx);

        public static LayerNorm LayerNorm(long normalized_shape, double eps = 1e-5, bool elementwise_affine = true) =>
            new(normalized_shape, eps, elementwise_affine);

        public static LayerNorm LayerNorm(long[] normalized_shape, double eps = 1e-5, bool elementwise_affine = true) =>
            new(normalized_shape, eps, elementwise_affine);

        public static GroupNorm GroupNorm(long num_groups, long num_channels, double eps = 1e-5, bool affine = true) =>
            new(num_groups, num_channels, eps, affine);

        public static LSTM LSTM(long input_size, long hidden_size, long num_layers = 1, bool bias = true, bool batch_first = false,
            double dropout = 0, bool bidirectional = false) =>
            new(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional);

        public static Dropout Dropout(double p = 0.5) => new(p);

        public static GELU GELU(string approximate = "none") => new(approximate);

        public static PReLU PReLU(long num_parameters = 1, double init = 0.25) => new(num_parameters, init);

        public static ReLU ReLU() => new();

        public static Sequential Sequential(params Module<Tensor, Tensor>[] modules) => new(modules);

        public static ModuleList<T> ModuleList<T>(params T[] modules) where T : Module => new(modules);
    }
}
